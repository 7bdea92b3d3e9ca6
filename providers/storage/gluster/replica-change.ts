/**
 * A replica volume grown or shrunk online, its data kept: a node that joins the lab adds its brick
 * to the one replica set (`gluster volume add-brick VOL replica N+1 BRICK force`) and the new brick
 * is healed from the others (`gluster volume heal VOL full`, then `heal info` until nothing is
 * pending); a node that leaves takes its brick out once every file has a good copy on the bricks
 * that stay (`heal info` empty first, then `gluster volume remove-brick VOL replica N-1 BRICK
 * force`: lowering the replica count migrates nothing, the others hold every file) and its host is
 * detached from the pool (no brick of any volume may be left on it; gluster refuses otherwise).
 *
 * Only a volume of one replica set without an arbiter changes this way (bricks = replica before
 * and after, the same name, transport and brick device): the bricks that stay keep their order,
 * and new bricks come last (brick i lives on node i). Anything else is a new layout, which
 * replaces the volume (and is refused unless data loss is allowed).
 */
import { ONELINE, SCRIPT_FAIL } from "../../exec/node-exec";
import { shellJoin, shellQuote } from "../../exec/ssh";
import { GLUSTER } from "./gluster-peers";

/** What a layout is made of. */
export interface ReplicaLayout {
  name: string;
  replica: number;
  arbiter: boolean;
  transport: string;
  bricks: readonly string[];
  brickDevice?: string;
}

/** Bricks added to the replica set, or bricks taken out of it (never both). */
export type ReplicaChange =
  { kind: "grow"; replica: number; bricks: string[] } | { kind: "shrink"; replica: number; bricks: string[] };

/** True when `part` is `whole` with some items left out, in the same order. */
function isSubsequence(part: readonly string[], whole: readonly string[]): boolean {
  let i = 0;
  for (const item of whole) if (item === part[i]) i += 1;
  return i === part.length;
}

/**
 * The online change from the live layout `olds` to `news`, or undefined when there is none to
 * make that way (the same layout, or one that needs a new volume).
 */
export function replicaChange(olds: ReplicaLayout, news: ReplicaLayout): ReplicaChange | undefined {
  const oneSet = (l: ReplicaLayout) => !l.arbiter && l.bricks.length === l.replica;
  if (!oneSet(olds) || !oneSet(news) || olds.replica === news.replica) return undefined;
  if (olds.name !== news.name || olds.transport !== news.transport || olds.brickDevice !== news.brickDevice)
    return undefined;
  if (news.replica > olds.replica) {
    const kept = news.bricks.slice(0, olds.bricks.length);
    if (kept.join(" ") !== olds.bricks.join(" ")) return undefined;
    return { kind: "grow", replica: news.replica, bricks: news.bricks.slice(olds.bricks.length) };
  }
  if (!isSubsequence(news.bricks, olds.bricks)) return undefined;
  return {
    kind: "shrink",
    replica: news.replica,
    bricks: olds.bricks.filter((b) => !news.bricks.includes(b)),
  };
}

/** The host part of a brick (`node03m` of `node03m:/glvol00`). */
export function brickHost(brick: string): string {
  return brick.slice(0, brick.indexOf(":"));
}

/** How long a heal may take before the change gives up (and says how to go on). */
export const HEAL_WAIT_SECONDS = 1800;

/**
 * A shell function `wait_healed` that polls `heal info` until no entry is pending on any brick
 * three times in a row, failing after `waitSeconds` with what is still pending.
 */
function healWait(volume: string, waitSeconds: number): string {
  const vol = shellQuote(volume);
  return `pending() {
  local out
  out=$(${GLUSTER} volume heal ${vol} info 2>&1) || { echo "?"; return; }
  awk -F': ' '/^Number of entries:/ { if ($2 == "-") u = 1; else n += $2 } END { if (u) print "?"; else print n + 0 }' <<<"$out"
}
wait_healed() {
  local clean=0 left=""
  for _ in $(seq $((${waitSeconds} / 5))); do
    left=$(pending)
    if [ "$left" = 0 ]; then clean=$((clean + 1)); [ "$clean" -lt 3 ] || return 0; else clean=0; fi
    sleep 5
  done
  fail "volume ${volume} still has entries to heal after ${waitSeconds} s (pending: $left; ? = a brick not connected). Fix: see gluster volume heal ${volume} info and gluster volume status ${volume}, then run pulumi up again"
}`;
}

/**
 * On a node of the volume: the change made, or nothing when the live volume already has it (a run
 * cut short is finished by the next); the heal waited for up to `waitSeconds`. Prints `grown` and
 * `healed`, or `healed` and `shrunk`.
 */
export function replicaChangeScript(
  volume: string,
  change: ReplicaChange,
  waitSeconds: number = HEAL_WAIT_SECONDS,
): string {
  const vol = shellQuote(volume);
  const fix = `Fix: see gluster volume info ${volume} and gluster peer status, then run pulumi up again`;
  const live = `live=$(${GLUSTER} volume info ${vol} | sed -n 's/^Brick[0-9]*: //p')`;
  const has = (brick: string) => `grep -qxF ${shellQuote(brick)} <<<"$live"`;
  if (change.kind === "grow") {
    const missing = change.bricks.map((b) => `! ${has(b)}`).join(" || ");
    const add = `${GLUSTER} volume add-brick ${shellJoin([volume, "replica", change.replica, ...change.bricks, "force"])}`;
    return `${SCRIPT_FAIL}
${ONELINE}
${healWait(volume, waitSeconds)}
${live}
if ${missing}; then
  out=$(${add} 2>&1) || fail "gluster volume add-brick ${volume} failed: $(oneline "$out"). ${fix}"
  echo grown
fi
out=$(${GLUSTER} volume heal ${vol} full 2>&1) || fail "gluster volume heal ${volume} full failed: $(oneline "$out"). ${fix}"
wait_healed
echo healed`;
  }
  const present = change.bricks.map((b) => has(b)).join(" || ");
  const remove = `${GLUSTER} volume remove-brick ${shellJoin([volume, "replica", change.replica, ...change.bricks, "force"])}`;
  const detach = [...new Set(change.bricks.map(brickHost))].map(
    (host) => `out=$(${GLUSTER} peer detach ${shellQuote(host)} 2>&1) || case "$out" in
  *"is not part of cluster"*|*"not a friend"*) ;;
  *) fail "gluster peer detach ${host} failed: $(oneline "$out"). Fix: remove what still uses ${host} (gluster volume info), then run pulumi up again" ;;
esac`,
  );
  return `${SCRIPT_FAIL}
${ONELINE}
${healWait(volume, waitSeconds)}
${live}
if ${present}; then
  wait_healed
  echo healed
  out=$(${remove} 2>&1) || fail "gluster volume remove-brick ${volume} failed: $(oneline "$out"). ${fix}"
  echo shrunk
fi
${detach.join("\n")}`;
}
