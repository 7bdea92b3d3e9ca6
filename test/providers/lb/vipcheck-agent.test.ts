/**
 * The VIPcheck OCF agent run for real: bash executes the rendered script against fake `arping`,
 * `ping` and `ip` first on a PATH that holds nothing else but the few tools it needs, for every
 * action and with the VIP free, taken elsewhere, or on this node.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { OCF, renderVipcheckAgent, VIPCHECK_AGENT } from "../../../providers/lb/vipcheck-agent";
import { expectGolden } from "../../support/golden";
import {
  bashSyntaxCheck,
  fakeBin,
  logOf,
  removeTempDirs,
  runWithFakes,
  type FakeBin,
} from "../../support/bash";
import { VIP } from "../../fixtures/lb";

/** The fakes: FAKE_VIP=free|taken|broken says what the network answers; FAKE_LOCAL=yes puts the VIP on this node. */
const FAKES = {
  arping: `case "\${FAKE_VIP:-free}" in free) exit 0 ;; taken) exit 1 ;; *) exit 2 ;; esac`,
  ping: `case "\${FAKE_VIP:-free}" in free) exit 1 ;; taken) exit 0 ;; *) exit 2 ;; esac`,
  ip: `case "$*" in
  "link show dev lab-svc") exit 0 ;;
  "link show dev "*) echo "Device does not exist." >&2; exit 1 ;;
  "-o route get "*) if [ "\${FAKE_ROUTE:-lab-svc}" = lo ]; then echo "local $4 dev lo table local src $4 uid 0"; else echo "$4 dev lab-svc src 192.168.5.35 uid 0 \\    cache"; fi ;;
  "-o -4 address show to "*) if [ "\${FAKE_LOCAL:-no}" = yes ]; then echo "1: lo    inet $6 scope global lo:0"; fi ;;
  *) echo "fake ip: unexpected $*" >&2; exit 1 ;;
esac`,
};

/** The tools the agent (and the fakes) use besides the fakes, linked into a directory of their own. */
const TOOLS = ["bash", "sed", "dirname", "mkdir", "touch", "rm", "cat"];

interface Agent {
  fake: FakeBin;
  /** Runs an action; returns the exit code, stdout and stderr. */
  run: (
    action: string,
    env?: Record<string, string>,
  ) => { code: number | null; stdout: string; stderr: string };
  stateFile: string;
}

function agent(params: Record<string, string> = { target_ip: VIP }): Agent {
  const fake = fakeBin(FAKES);
  const tools = path.join(fake.root, "tools");
  fs.mkdirSync(tools);
  for (const tool of TOOLS) {
    const where = spawnSync("bash", ["-c", `command -v ${tool}`], { encoding: "utf8" }).stdout.trim();
    fs.symlinkSync(where, path.join(tools, tool));
  }
  const script = path.join(fake.root, "VIPcheck");
  fs.writeFileSync(script, renderVipcheckAgent(), { mode: 0o755 });
  const rsctmp = path.join(fake.root, "rsctmp");
  const base = {
    PATH: `${fake.bin}:${tools}`,
    HA_RSCTMP: rsctmp,
    OCF_RESOURCE_INSTANCE: "VIPCHK1",
    ...Object.fromEntries(Object.entries(params).map(([k, v]) => [`OCF_RESKEY_${k}`, v])),
  };
  return {
    fake,
    stateFile: path.join(rsctmp, "VIPcheck-VIPCHK1.state"),
    run: (action, env = {}) => {
      const r = runWithFakes(fake, `bash "$FAKE_ROOT/VIPcheck" ${action}`, "", { ...base, ...env });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    },
  };
}

afterEach(removeTempDirs);

describe("the VIPcheck agent's script", () => {
  const script = renderVipcheckAgent();

  test("is bash that bash accepts, golden", () => {
    bashSyntaxCheck(script);
    expect(script.startsWith("#!/bin/bash\n")).toBe(true);
    expectGolden("VIPcheck", script);
    expect(VIPCHECK_AGENT).toBe("ocf:kvmlab:VIPcheck");
  });
});

describe("meta-data and validate-all", () => {
  test("meta-data is well-formed OCF XML naming its parameters and actions", () => {
    const { code, stdout } = agent().run("meta-data");
    expect(code).toBe(OCF.SUCCESS);
    expect(XMLValidator.validate(stdout)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "" }).parse(stdout) as {
      "resource-agent": {
        name: string;
        parameters: { parameter: { name: string; required?: string }[] };
        actions: { action: { name: string }[] };
      };
    };
    const ra = doc["resource-agent"];
    expect(ra.name).toBe("VIPcheck");
    expect(ra.parameters.parameter.map((p) => p.name)).toEqual([
      "target_ip",
      "interface",
      "method",
      "count",
      "wait",
    ]);
    expect(ra.parameters.parameter[0]?.required).toBe("1");
    expect(ra.actions.action.map((a) => a.name)).toEqual([
      "start",
      "stop",
      "monitor",
      "validate-all",
      "meta-data",
    ]);
  });

  test("validate-all: good parameters pass; a missing or malformed address, method or count is a configuration error", () => {
    expect(agent().run("validate-all").code).toBe(OCF.SUCCESS);
    expect(agent({}).run("validate-all").code).toBe(OCF.ERR_CONFIGURED);
    expect(agent({ target_ip: "192.168.5.256" }).run("validate-all").code).toBe(OCF.ERR_CONFIGURED);
    expect(agent({ target_ip: VIP, method: "nmap" }).run("validate-all").code).toBe(OCF.ERR_CONFIGURED);
    expect(agent({ target_ip: VIP, count: "0" }).run("validate-all").code).toBe(OCF.ERR_CONFIGURED);
    expect(agent({ target_ip: VIP, interface: "eth9" }).run("validate-all").code).toBe(OCF.ERR_CONFIGURED);
    expect(agent().run("validate-all", { FAKE_ROUTE: "lo" }).code).toBe(OCF.ERR_CONFIGURED);
  });

  test("validate-all: a probe command that is not installed", () => {
    const a = agent({ target_ip: VIP, method: "arping" });
    fs.rmSync(path.join(a.fake.bin, "arping"));
    const r = a.run("validate-all");
    expect(r.code).toBe(OCF.ERR_INSTALLED);
    expect(r.stderr).toContain("arping is not installed (Debian: iputils-arping)");
  });

  test("usage; an unknown action is unimplemented, no action an argument error", () => {
    expect(agent().run("usage").code).toBe(OCF.SUCCESS);
    expect(agent().run("promote").code).toBe(OCF.ERR_UNIMPLEMENTED);
    expect(agent().run("").code).toBe(OCF.ERR_ARGS);
  });
});

describe("start, monitor, stop (arping -D)", () => {
  test("VIP free: start succeeds after one duplicate-address probe; monitor running; stop; monitor not running", () => {
    const a = agent();
    expect(a.run("monitor").code).toBe(OCF.NOT_RUNNING);
    expect(a.run("start").code).toBe(OCF.SUCCESS);
    expect(fs.existsSync(a.stateFile)).toBe(true);
    expect(logOf(a.fake).filter((l) => l.startsWith("arping"))).toEqual([
      `arping -q -D -I lab-svc -c 2 -w 3 ${VIP}`,
    ]);
    expect(a.run("monitor").code).toBe(OCF.SUCCESS);
    // Started already: no second probe (the VIP may be on this node by now).
    expect(a.run("start", { FAKE_VIP: "taken" }).code).toBe(OCF.SUCCESS);
    expect(logOf(a.fake).filter((l) => l.startsWith("arping"))).toHaveLength(1);
    expect(a.run("stop").code).toBe(OCF.SUCCESS);
    expect(a.run("monitor").code).toBe(OCF.NOT_RUNNING);
    expect(a.run("stop").code).toBe(OCF.SUCCESS);
  });

  test("VIP taken elsewhere: start fails with OCF_ERR_GENERIC and says why; nothing is recorded", () => {
    const a = agent();
    const r = a.run("start", { FAKE_VIP: "taken" });
    expect(r.code).toBe(OCF.ERR_GENERIC);
    expect(r.stderr).toContain(`${VIP} answers elsewhere (arping): not starting`);
    expect(a.run("monitor").code).toBe(OCF.NOT_RUNNING);
  });

  test("a probe that fails (arping exit 2) refuses the start too", () => {
    const r = agent().run("start", { FAKE_VIP: "broken" });
    expect(r.code).toBe(OCF.ERR_GENERIC);
    expect(r.stderr).toContain("could not probe");
  });

  test("the interface parameter, the count and the wait go to arping", () => {
    const a = agent({ target_ip: VIP, interface: "lab-svc", count: "4", wait: "1" });
    expect(a.run("start").code).toBe(OCF.SUCCESS);
    expect(logOf(a.fake)).toContain(`arping -q -D -I lab-svc -c 4 -w 1 ${VIP}`);
  });

  test("a start with bad parameters fails with their validation code, stop and monitor still answer", () => {
    const a = agent({ target_ip: "nonsense" });
    expect(a.run("start").code).toBe(OCF.ERR_CONFIGURED);
    expect(a.run("monitor").code).toBe(OCF.NOT_RUNNING);
    expect(a.run("stop").code).toBe(OCF.SUCCESS);
  });
});

describe("start (method=ping)", () => {
  const params = { target_ip: VIP, method: "ping" };

  test("VIP free: started; VIP taken: refused", () => {
    expect(agent(params).run("start").code).toBe(OCF.SUCCESS);
    const a = agent(params);
    expect(a.run("start", { FAKE_VIP: "taken" }).code).toBe(OCF.ERR_GENERIC);
    expect(logOf(a.fake)).toContain(`ping -q -n -c 2 -W 3 ${VIP}`);
  });

  test("the VIP on this node is no other holder: started without pinging it", () => {
    const a = agent(params);
    expect(a.run("start", { FAKE_VIP: "taken", FAKE_LOCAL: "yes" }).code).toBe(OCF.SUCCESS);
    expect(logOf(a.fake).some((l) => l.startsWith("ping"))).toBe(false);
  });
});
