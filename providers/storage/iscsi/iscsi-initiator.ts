/**
 * IscsiInitiator: one node's login to the lab's target (seed 000: `iscsiadm -m discovery -t
 * sendtargets -p 192.168.8.1`, then login) — with the node's own initiator name (the target's ACL
 * lists it), `node.startup = automatic` so the session comes back after a reboot, and the stable
 * by-path device of every LUN waited for and returned.
 *
 * `read` reports a session logged out, a startup mode changed, a device gone or the initiator name
 * changed; the next `up` logs in again.
 */
import { z } from "zod";
import { defineProvider } from "../../core/base";
import { progress } from "../../exec/host-exec";
import {
  explained,
  ONELINE,
  onNode,
  orIfUnreachable,
  removeUnlessUnreachable,
  parseSections,
  SCRIPT_FAIL,
  sshEndpointField,
  type Runner,
} from "../../exec/node-exec";
import { labKind } from "../../core/kind";
import { shellJoin, shellQuote } from "../../exec/ssh";
import { activeNow, enabledAtBoot, parseUnitStates, unitStatesProbe } from "../../node/unit-states";

const IQN = /^iqn\.\d{4}-\d{2}\.[a-z0-9.-]+(:[^\s<>'"]+)?$/i;

const schema = () =>
  z.object({
    node: sshEndpointField(),
    sshPrivateKey: z.string().min(1, "sshPrivateKey is required"),
    initiatorName: z.string().regex(IQN, "initiatorName must be an IQN"),
    targetIqn: z.string().regex(IQN, "targetIqn must be an IQN"),
    /** `address:port` of the target portal. */
    portal: z.string().regex(/^\d+\.\d+\.\d+\.\d+:\d+$/, "portal must be address:port"),
    luns: z.array(z.number().int().min(1).max(255)).min(1, "luns: give the LUNs to wait for"),
    /** Desired: logged in, persistent, every LUN's device present (drift when not). */
    loggedIn: z.boolean().default(true),
    /** Desired: iscsid and open-iscsi enabled at boot, iscsid running (drift when not). */
    servicesCurrent: z.boolean().default(true),
  });
type Inputs = z.output<ReturnType<typeof schema>>;

/** Inputs of an IscsiInitiator, as its schema takes them (fields with a default are optional). */
export type IscsiInitiatorInputs = z.input<ReturnType<typeof schema>>;

/** Outputs of an IscsiInitiator. */
export interface IscsiInitiatorOutputs {
  /** The by-path device of each LUN on this node. */
  devices: string[];
}

/** The stable by-path device of a LUN, the same on every initiator. */
export function lunDevicePath(portal: string, iqn: string, lun: number): string {
  return `/dev/disk/by-path/ip-${portal}-iscsi-${iqn}-lun-${lun}`;
}

/** How long a LUN's device may take to appear after login. */
const DEVICE_WAIT_SECONDS = 60;

/** iscsiadm's exit code when it found nothing to act on (ISCSI_ERR_NO_OBJS_FOUND). */
const ISCSI_NO_OBJS_FOUND = 21;

/**
 * Shell functions (after {@link SCRIPT_FAIL}) of both the login and the logout:
 * - `oneline TEXT` ({@link ONELINE});
 * - `has_session`: the node has a session to the target — checked, never assumed: `iscsiadm -m
 *   session` exits 21 when the node has no session at all, any other failure fails the script;
 * - `logout_of_target`: logs out of that session when there is one, and fails with iscsiadm's
 *   words and the fix when the logout does.
 * `again` ends the fixes: what to run after them.
 */
function sessionFunctions(inputs: Pick<Inputs, "targetIqn" | "portal">, again: string): string {
  const fix = `Fix: check that iscsid runs on the node (systemctl status iscsid) and that nothing uses the LUNs (lsblk, fuser -vm), then run ${again}`;
  return `${ONELINE}
has_session() {
  local sessions
  sessions=$(iscsiadm -m session 2>&1) || case $? in
    ${ISCSI_NO_OBJS_FOUND}) return 1 ;;
    *) fail "iscsiadm -m session failed: $(oneline "$sessions"). ${fix}" ;;
  esac
  awk -v want=${shellQuote(`${inputs.portal},1 ${inputs.targetIqn}`)} '$3 " " $4 == want { found = 1 } END { exit !found }' <<<"$sessions"
}
logout_of_target() {
  local out
  has_session || return 0
  out=$(iscsiadm -m node -T ${shellQuote(inputs.targetIqn)} -p ${shellQuote(inputs.portal)} --logout 2>&1) ||
    fail "logging out of ${inputs.targetIqn} at ${inputs.portal} failed: $(oneline "$out"). ${fix}"
}`;
}

/** Discovery, persistent login, devices. Prints the device paths. */
export function loginScript(inputs: Inputs): string {
  const iqn = shellQuote(inputs.targetIqn);
  const portal = shellQuote(inputs.portal);
  const devices = shellJoin(inputs.luns.map((l) => lunDevicePath(inputs.portal, inputs.targetIqn, l)));
  return `${SCRIPT_FAIL}
command -v iscsiadm >/dev/null || fail "open-iscsi is not installed. Fix: use the lab image, or apt-get install open-iscsi on the node"
${sessionFunctions(inputs, "pulumi up again")}
want="InitiatorName="${shellQuote(inputs.initiatorName)}
if [ "$(grep -v '^#' /etc/iscsi/initiatorname.iscsi 2>/dev/null | head -n 1)" != "$want" ]; then
  # Sessions made under another name would keep it: log them out first.
  logout_of_target
  echo "$want" > /etc/iscsi/initiatorname.iscsi
  systemctl restart iscsid
fi
systemctl enable iscsid open-iscsi >/dev/null 2>&1 || true
systemctl start iscsid
found=$(iscsiadm -m discovery -t sendtargets -p ${portal} 2>&1) ||
  fail "discovery at ${inputs.portal} failed: $(oneline "$found"). Fix: check that the target runs (pulumi preview --refresh shows it) and that this node reaches the portal"
awk -v want=${iqn} '$2 == want { found = 1 } END { exit !found }' <<<"$found" ||
  fail "the portal ${inputs.portal} does not offer ${inputs.targetIqn} to this initiator (offered: $(oneline "$found")). Fix: the target's ACL must list this node's address and initiator name"
iscsiadm -m node -T ${iqn} -p ${portal} -o update -n node.startup -v automatic
if has_session; then
  # Logged in already: LUNs re-created on the target since are found by a rescan.
  iscsiadm -m node -T ${iqn} -p ${portal} --rescan >/dev/null
else
  iscsiadm -m node -T ${iqn} -p ${portal} --login >/dev/null
fi
udevadm settle || true
for dev in ${devices}; do
  for _ in $(seq ${DEVICE_WAIT_SECONDS}); do [ -e "$dev" ] && break; sleep 1; done
  [ -e "$dev" ] || fail "logged in, but $dev did not appear within ${DEVICE_WAIT_SECONDS} s. Fix: iscsiadm -m session -P 3 on the node shows what the target offers"
  echo "$dev"
done`;
}

/**
 * The delete: the session logged out when there is one, the node record deleted when there is
 * one (a record already gone is exit 21); any other failure of iscsiadm fails the delete with its
 * words. A node without iscsiadm has neither.
 */
export function logoutScript(inputs: Pick<Inputs, "targetIqn" | "portal">): string {
  return `${SCRIPT_FAIL}
command -v iscsiadm >/dev/null || exit 0
${sessionFunctions(inputs, "pulumi destroy again")}
logout_of_target
out=$(iscsiadm -m node -o delete -T ${shellQuote(inputs.targetIqn)} -p ${shellQuote(inputs.portal)} 2>&1) || case $? in
  ${ISCSI_NO_OBJS_FOUND}) ;;
  *) fail "deleting the node record of ${inputs.targetIqn} at ${inputs.portal} failed: $(oneline "$out"). Fix: see iscsiadm -m node on the node, then run pulumi destroy again" ;;
esac`;
}

/** What the node has: its initiator name, its sessions, the startup mode, the devices present. */
export function stateScript(inputs: Inputs): string {
  const devices = shellJoin(inputs.luns.map((l) => lunDevicePath(inputs.portal, inputs.targetIqn, l)));
  return `echo "== name"
sed -n 's/^InitiatorName=//p' /etc/iscsi/initiatorname.iscsi 2>/dev/null || true
echo "== sessions"
iscsiadm -m session 2>/dev/null | awk '{print $3, $4}' || true
echo "== startup"
iscsiadm -m node -T ${shellQuote(inputs.targetIqn)} -p ${shellQuote(inputs.portal)} 2>/dev/null | sed -n 's/^node.startup = //p' || true
echo "== devices"
for dev in ${devices}; do [ -e "$dev" ] && echo "$dev"; done
echo "== units"
${unitStatesProbe(INITIATOR_UNITS)}`;
}

/** The units the login enables at boot; iscsid also runs. */
const INITIATOR_UNITS = ["iscsid", "open-iscsi"];

/** What {@link stateScript} found, as the resource's properties. */
export function parseState(inputs: Inputs, stdout: string): Partial<Inputs & IscsiInitiatorOutputs> {
  const s = parseSections(stdout);
  const lines = (k: string) => (s[k] ?? []).map((l) => l.trim()).filter(Boolean);
  const devices = lines("devices");
  const session = lines("sessions").includes(`${inputs.portal},1 ${inputs.targetIqn}`);
  const automatic = lines("startup")[0] === "automatic";
  const units = parseUnitStates(lines("units"));
  return {
    initiatorName: lines("name")[0] ?? "",
    loggedIn: session && automatic && devices.length === inputs.luns.length,
    servicesCurrent: INITIATOR_UNITS.every((u) => enabledAtBoot(units[u])) && activeNow(units.iscsid),
    devices,
  };
}

async function login(inputs: Inputs): Promise<IscsiInitiatorOutputs> {
  return onNode(inputs.node, inputs.sshPrivateKey, (run: Runner) =>
    explained(inputs.node.address, async () => {
      const { stdout } = await run(loginScript(inputs), { timeoutSeconds: DEVICE_WAIT_SECONDS + 120 });
      const devices = stdout.trim().split("\n").filter(Boolean);
      progress(`iSCSI: ${inputs.node.address} logged in to ${inputs.targetIqn} (${devices.length} LUNs)`);
      return { devices };
    }),
  );
}

/** The IscsiInitiator provider. */
export const iscsiInitiatorProvider = defineProvider({
  kind: "IscsiInitiator",
  // The logout too: a delete runs the code stored with the resource.
  render: (inputs) => ({
    login: loginScript(inputs),
    state: stateScript(inputs),
    logout: logoutScript(inputs),
  }),
  schema,
  forceNew: ["targetIqn", "portal"],
  async create(inputs) {
    const outs = await login(inputs);
    return { id: `${inputs.initiatorName}@${inputs.portal}`, outs };
  },
  async read(_id, olds) {
    return orIfUnreachable(
      () =>
        onNode(olds.node, olds.sshPrivateKey, async (run) =>
          parseState(olds, (await run(stateScript(olds), { timeoutSeconds: 60 })).stdout),
        ),
      { loggedIn: false },
    );
  },
  async update(_id, _olds, news) {
    return login(news);
  },
  async delete(_id, olds) {
    await removeUnlessUnreachable(`iSCSI initiator on ${olds.node.address}`, () =>
      onNode(olds.node, olds.sshPrivateKey, (run) =>
        explained(olds.node.address, () => run(logoutScript(olds), { timeoutSeconds: 60 })),
      ),
    );
  },
});

/** A node's persistent login to the target. */
export const IscsiInitiator = labKind<IscsiInitiatorInputs, IscsiInitiatorOutputs>(iscsiInitiatorProvider, {
  outputs: { devices: true },
  secretInputs: ["sshPrivateKey"],
});
export type IscsiInitiator = InstanceType<typeof IscsiInitiator>;
