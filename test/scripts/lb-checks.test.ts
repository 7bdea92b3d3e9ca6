/**
 * The load-balancer e2e's checks (scripts/lb-checks.sh), run by bash on what the lab prints:
 * `ipvsadm -Ln` listings in ipvsadm 1.31's format (test/fixtures/ipvsadm.ts), the real servers'
 * and the directors' pages, and an HTTP probe log. No lab is involved.
 */
import * as path from "node:path";
import { fakeBin, logOf, removeTempDirs, runWithFakes } from "../support/bash";
import { IPVS_ACTIVE, IPVS_DRIFTED, IPVS_FALLBACK, IPVS_ONE_DOWN, IPVS_STANDBY } from "../fixtures/ipvsadm";
import { renderIndexPage } from "../../providers/lb/real-server-files";
import { renderSorryPage } from "../../providers/lb/director-files";

const REPO = path.resolve(__dirname, "..", "..");

afterEach(removeTempDirs);

/** Runs `body` after sourcing lb-checks.sh, with `stdin`. */
function check(body: string, stdin = "") {
  const r = runWithFakes(fakeBin({}), `source "${REPO}/scripts/lb-checks.sh"\n${body}`, stdin);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const VS = "192.168.5.55:80";
const REALS = "192.168.5.33:80 192.168.5.43:80";

describe("the IPVS table", () => {
  test("lists the destinations of a virtual service with their forwarding method", () => {
    expect(check(`lb_ipvs_reals ${VS}`, IPVS_ACTIVE)).toEqual({
      status: 0,
      stdout: "192.168.5.33:80 Route\n192.168.5.43:80 Route\n",
      stderr: "",
    });
    expect(check(`lb_ipvs_reals ${VS}`, IPVS_FALLBACK).stdout).toBe("127.0.0.1:80 Local\n");
    expect(check(`lb_ipvs_reals ${VS}`, IPVS_STANDBY).status).toBe(1);
    expect(check("lb_ipvs_reals 192.168.5.56:443", IPVS_DRIFTED).stdout).toBe("192.168.5.33:443 Route\n");
  });

  test("shows rr with both real servers in direct routing on the active director, and nothing else", () => {
    expect(check(`lb_ipvs_shows ${VS} rr ${REALS}`, IPVS_ACTIVE).status).toBe(0);
    expect(check(`lb_ipvs_shows ${VS} rr ${REALS}`, IPVS_STANDBY)).toMatchObject({
      status: 1,
      stderr: `the table has no virtual service ${VS}\n`,
    });
    expect(check(`lb_ipvs_shows ${VS} rr ${REALS}`, IPVS_ONE_DOWN)).toMatchObject({
      status: 1,
      stderr: `${VS} has the destinations [192.168.5.33:80 Route;], not [192.168.5.33:80 Route;192.168.5.43:80 Route;]\n`,
    });
    expect(check(`lb_ipvs_shows ${VS} rr ${REALS}`, IPVS_DRIFTED)).toMatchObject({
      status: 1,
      stderr: `${VS} is scheduled by wlc, not rr\n`,
    });
    const masq = IPVS_ACTIVE.replace(
      "192.168.5.43:80              Route",
      "192.168.5.43:80              Masq ",
    );
    expect(check(`lb_ipvs_shows ${VS} rr ${REALS}`, masq).status).toBe(1);
  });
});

describe("the answers through the VIP", () => {
  test("a page names the server that answered: a real server, or the directors' sorry page", () => {
    const fe1 = renderIndexPage({ name: "fe1", address: "192.168.5.33", vip: "192.168.5.55" });
    expect(check("lb_responder", fe1).stdout).toBe("fe1\n");
    const sorry = renderSorryPage({ name: "ld1", vip: "192.168.5.55", port: 80, fallback: "127.0.0.1:80" });
    expect(check("lb_responder", sorry).stdout).toBe("Sorry\n");
    expect(check("lb_responder", "curl: (7) Failed to connect\n").stdout).toBe("");
  });

  test("round robin: every answer from the other server, both of them answering", () => {
    expect(check("lb_alternates fe1 fe2", "fe1\nfe2\nfe1\nfe2\n").status).toBe(0);
    expect(check("lb_alternates fe1 fe2", "fe1\nfe2\nfe2\nfe1\n")).toMatchObject({
      status: 1,
      stderr: "one server answered twice in a row: fe1 fe2 fe2 fe1 \n",
    });
    expect(check("lb_alternates fe1 fe2", "fe1\nfe1\n")).toMatchObject({
      status: 1,
      stderr: "fe2 never answered: fe1 fe1 \n",
    });
    expect(check("lb_alternates fe1 fe2", "")).toMatchObject({ status: 1, stderr: "no answer at all\n" });
  });
});

describe("lib.sh's end-to-end helpers", () => {
  const lib = (body: string, env: Record<string, string> = {}) =>
    runWithFakes(fakeBin({}), `source "${REPO}/scripts/lib.sh"\n${body}`, "", env);

  test("e2e_phase runs, times and records a stage; a failing command records nothing", () => {
    const r = lib(
      'E2E_WORK=$TMPDIR KVMLAB_E2E_TIMINGS=$TMPDIR/t\ne2e_phase ok true\ne2e_phase bad false || echo failed\ncat "$TMPDIR/stages"; cut -d" " -f1 "$TMPDIR/t"',
    );
    expect(r.stdout).toBe("failed\nok\nok\n");
    expect(r.stderr).toContain("e2e: ok took 0 s");
  });

  test("e2e_enter runs the script in the run's namespace and names it there, with its note when given", () => {
    const fake = fakeBin({ ip: "" }, { sandbox: true });
    const r = runWithFakes(
      fake,
      `source "${REPO}/scripts/lib.sh"\nE2E_NS=kvmlab-x-1 E2E_WORK=$TMPDIR/w E2E_ENV_FILE=$TMPDIR/env\n` +
        'e2e_enter --note "layers: substrate storage" "$TMPDIR/run.sh" --inside\ne2e_enter "$TMPDIR/run.sh"',
      "",
    );
    expect(r.status).toBe(0);
    const named = r.stderr.split("\n").filter((l) => l.includes("network namespace"));
    expect(named.map((l) => l.replace(/^\[ *\d+s\] /, "").replace(fake.tmp, "TMP"))).toEqual([
      "e2e: network namespace kvmlab-x-1, work dir TMP/w (layers: substrate storage)",
      "e2e: network namespace kvmlab-x-1, work dir TMP/w",
    ]);
    expect(logOf(fake).filter((l) => l.startsWith("ip netns exec"))).toEqual([
      `ip netns exec kvmlab-x-1 bash ${fake.tmp}/run.sh --inside`,
      `ip netns exec kvmlab-x-1 bash ${fake.tmp}/run.sh`,
    ]);
  });

  test("e2e_timing writes only when KVMLAB_E2E_TIMINGS is set; e2e_wait dies naming what did not happen", () => {
    expect(lib('e2e_timing x 1; echo "${KVMLAB_E2E_TIMINGS:-unset}"').stdout).toBe("unset\n");
    const r = lib('e2e_wait 0 "the VIP answering" false; echo not-reached');
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("error: e2e: the VIP answering did not happen within 0 s\n");
    expect(lib("e2e_wait 5 x true && echo done").stdout).toBe("done\n");
  });
});
