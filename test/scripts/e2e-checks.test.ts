/**
 * The e2e's checks that wrap a command (scripts/e2e-checks.sh, scripts/drill.sh, the golden gate of
 * scripts/lib.sh), run by bash with fake commands first on PATH: each must fail when the command
 * it wraps fails, where the form it replaced passed. No lab is involved.
 */
import { spawnSync } from "node:child_process";
import * as ts from "typescript";
import * as fs from "node:fs";
import * as path from "node:path";
import { fakeBin, removeTempDirs, runWithFakes, tempDir, type FakeBin } from "../support/bash";

const REPO = path.resolve(__dirname, "..", "..");
const PRELUDE = `source "${REPO}/scripts/lib.sh"; source "${REPO}/scripts/e2e-checks.sh"\n`;

afterEach(removeTempDirs);

/** Runs `body` after sourcing lib.sh and e2e-checks.sh, the fakes first on PATH. */
function check(fake: FakeBin, body: string, env: Record<string, string> = {}) {
  const r = runWithFakes(fake, PRELUDE + body, "", env);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("e2e_layers (KVMLAB_E2E_UPTO)", () => {
  const fake = () => fakeBin({});

  test("a known layer gives it and the layers before it", () => {
    for (const [upto, layers] of [
      ["substrate", "substrate"],
      ["storage", "substrate storage"],
      ["cluster", "substrate storage cluster"],
    ]) {
      expect(check(fake(), `e2e_layers ${upto}`)).toMatchObject({ status: 0, stdout: `${layers}\n` });
    }
  });

  test("a typo, an empty value or a layer the e2e does not know is refused, naming the known ones", () => {
    for (const upto of ["clustr", "", "Cluster", "lb"]) {
      const r = check(fake(), `e2e_layers '${upto}' || { echo refused; exit 3; }`);
      expect(r).toMatchObject({ status: 3, stdout: "refused\n" });
      expect(r.stderr).toContain(
        `KVMLAB_E2E_UPTO='${upto}' is not a layer of the e2e: use one of substrate storage cluster`,
      );
    }
  });

  test("e2e.sh refuses a bad KVMLAB_E2E_UPTO or KVMLAB_DRILLS before anything runs, and --plan names the run", () => {
    // Commands a started run would use fail loudly here: nothing of them may run.
    const guard = Object.fromEntries(
      ["ip", "apt-get", "dpkg-query", "npm", "npx", "pulumi", "virsh", "go", "node"].map((t) => [
        t,
        "exit 97",
      ]),
    );
    const e2e = (env: Record<string, string>, arg = "") => {
      const fake = fakeBin(guard);
      const r = runWithFakes(fake, `bash "${REPO}/scripts/e2e.sh" ${arg}`, "", {
        KVMLAB_CACHE: tempDir("kvmlab-cache-"),
        ...env,
      });
      expect(fs.existsSync(fake.log)).toBe(false);
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    expect(e2e({ KVMLAB_E2E_UPTO: "clustr" }, "--plan")).toMatchObject({ status: 1 });
    expect(e2e({ KVMLAB_E2E_UPTO: "clustr" }).stderr).toMatch(/KVMLAB_E2E_UPTO='clustr' is not a layer/);
    expect(e2e({ KVMLAB_DRILLS: "two" }).stderr).toMatch(/KVMLAB_DRILLS='two' is not a number of drills/);
    expect(e2e({ KVMLAB_E2E_UPTO: "storage" }, "--plan")).toMatchObject({
      status: 0,
      stdout: "layers: substrate storage; drills: 1; grow and shrink: no; faults: no\n",
    });
    expect(e2e({ KVMLAB_DRILLS: "3" }, "--plan").stdout).toBe(
      "layers: substrate storage cluster; drills: 3; grow and shrink: no; faults: no\n",
    );
  });

  test("KVMLAB_FAULTS=1 adds the fault suite, which needs the cluster layer; anything but 0 or 1 is refused", () => {
    const guard = Object.fromEntries(
      ["ip", "apt-get", "dpkg-query", "pulumi", "virsh"].map((t) => [t, "exit 97"]),
    );
    const plan = (env: Record<string, string>) => {
      const fake = fakeBin(guard);
      const r = runWithFakes(fake, `bash "${REPO}/scripts/e2e.sh" --plan`, "", {
        KVMLAB_CACHE: tempDir("kvmlab-cache-"),
        ...env,
      });
      expect(fs.existsSync(fake.log)).toBe(false);
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    expect(plan({ KVMLAB_FAULTS: "1" })).toMatchObject({
      status: 0,
      stdout: "layers: substrate storage cluster; drills: 1; grow and shrink: no; faults: yes\n",
    });
    expect(plan({ KVMLAB_FAULTS: "yes" })).toMatchObject({
      status: 1,
      stderr: expect.stringContaining("KVMLAB_FAULTS='yes' must be 0 or 1") as string,
    });
    expect(plan({ KVMLAB_FAULTS: "1", KVMLAB_E2E_UPTO: "storage" }).stderr).toContain(
      "KVMLAB_FAULTS=1 needs the cluster layer (KVMLAB_E2E_UPTO=cluster)",
    );
  });
});

describe("libvirt_leftovers (what destroy left)", () => {
  const LIST = `case "$*" in
  *" list --all --name") printf '%s' "$DOMAINS" ;;
  *" net-list --all --name") printf '%s' "$NETWORKS" ;;
esac`;

  test("lists the domains and networks left, nothing when none", () => {
    const fake = fakeBin({ virsh: LIST });
    expect(check(fake, "libvirt_leftovers qemu:///system", { DOMAINS: "", NETWORKS: "\n" })).toMatchObject({
      status: 0,
      stdout: "",
    });
    expect(
      check(fake, "libvirt_leftovers qemu:///system", { DOMAINS: "e2e-node01\n\n", NETWORKS: "e2e-mgmt\n" }),
    ).toMatchObject({ status: 0, stdout: "e2e-node01\ne2e-mgmt\n" });
  });

  test("fails when virsh fails, where `left=$(virsh …; virsh …)` read an error as nothing left", () => {
    const failing = fakeBin({
      virsh: `case "$*" in *" list --all --name") echo "error: failed to connect" >&2; exit 1 ;; esac`,
    });
    const r = check(
      failing,
      'left=$(libvirt_leftovers qemu:///system) || { echo "virsh failed"; exit 3; }; echo "left=[$left]"',
    );
    expect(r).toMatchObject({ status: 3, stdout: "virsh failed\n" });
    // The form it replaced: the failing first virsh is masked by the second, and nothing is "left".
    const old = check(
      failing,
      'left=$(virsh -c qemu:///system list --all --name; virsh -c qemu:///system net-list --all --name); echo "left=[$left]"',
    );
    expect(old).toMatchObject({ status: 0, stdout: "left=[]\n" });
    const netFails = fakeBin({ virsh: `case "$*" in *" net-list --all --name") exit 1 ;; esac` });
    expect(check(netFails, "libvirt_leftovers qemu:///system").status).not.toBe(0);
  });
});

describe("tcp_listening (what still listens after destroy)", () => {
  const SS = `cat <<'EOF'
LISTEN 0      128     192.168.8.1:22         0.0.0.0:*
LISTEN 0      4096          *:3260             *:*
EOF`;

  test("matches the exact local address, or the port on any address", () => {
    const fake = fakeBin({ ss: SS });
    const yes = (want: string) => check(fake, `tcp_listening '${want}'`).status;
    expect(yes("192.168.8.1:22")).toBe(0);
    expect(yes(":22")).toBe(0);
    expect(yes(":3260")).toBe(0);
    expect(yes(":2")).toBe(1);
    expect(yes(":326")).toBe(1);
    expect(yes("192.168.8.1:2")).toBe(1);
    expect(yes("92.168.8.1:22")).toBe(1);
    expect(yes("192.168.8.2:22")).toBe(1);
  });

  test("dies when ss fails, where `if ss | grep -q` read the failure as nothing listening", () => {
    const failing = fakeBin({ ss: 'echo "ss: netlink error" >&2; exit 1' });
    const r = check(failing, 'if tcp_listening ":22"; then echo listening; else echo free; fi');
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("ss -Hltn failed: cannot tell whether anything listens on :22");
    const old = check(failing, 'if ss -Hltn | grep -q ":22"; then echo listening; else echo free; fi');
    expect(old).toMatchObject({ status: 0, stdout: "free\n" });
  });

  test("sees a listener that grep -q under pipefail missed when ss died of SIGPIPE", () => {
    // The match comes first, then more output than a pipe holds: grep -q exits at the match, ss
    // gets SIGPIPE, and pipefail makes the whole pipeline fail — "nothing listens".
    const long = fakeBin({
      ss: `echo "LISTEN 0 128 192.168.8.1:22 0.0.0.0:*"\nhead -c 2000000 /dev/zero | tr '\\0' 'x'`,
    });
    const r = check(long, 'if tcp_listening ":22"; then echo listening; else echo free; fi');
    expect(r).toMatchObject({ status: 0, stdout: "listening\n" });
    const old = check(long, 'if ss -Hltn | grep -q ":22"; then echo listening; else echo free; fi');
    expect(old.stdout).toBe("free\n");
  });
});

describe("unit_boot_state (the cluster does not start at boot)", () => {
  const ON = 'on() { ssh "root@$1" "$2"; }\n';

  test("gives systemctl's answer from the node", () => {
    const fake = fakeBin({ ssh: "echo disabled" });
    expect(check(fake, `${ON}unit_boot_state 192.168.8.121 corosync`)).toMatchObject({
      status: 0,
      stdout: "disabled\n",
    });
  });

  test("fails when ssh fails, where `on … systemctl is-enabled && fail` passed", () => {
    const fake = fakeBin({
      ssh: 'echo "ssh: connect to host 192.168.8.121 port 22: No route to host" >&2; exit 255',
    });
    const r = check(
      fake,
      `${ON}state=$(unit_boot_state 192.168.8.121 corosync) || { echo unreachable; exit 3; }`,
    );
    expect(r).toMatchObject({ status: 3, stdout: "unreachable\n" });
    const old = check(
      fake,
      `${ON}on 192.168.8.121 "systemctl is-enabled corosync" >/dev/null 2>&1 && { echo "starts at boot"; exit 1; }; echo passed`,
    );
    expect(old).toMatchObject({ status: 0, stdout: "passed\n" });
  });
});

describe("the fence shell session", () => {
  // What `ssh -tt` returns: the pty echoes the input, the shell prompts before each command,
  // lines end in CR LF.
  const listing = [
    "virsh list --all",
    "virsh undefine e2e-node01",
    "quit",
    "[EXPECT]#  Id   Name         State",
    "-----------------------------",
    " 1    e2e-node01   running",
    " -    e2e-node02   shut off",
    "",
    "[EXPECT]# fence shell: refused: virsh undefine e2e-node01",
    "[EXPECT]# ",
  ].join("\r\n");
  const refusedOnly = [
    "virsh list --all",
    "[EXPECT]# fence shell: refused: virsh list --all",
    "[EXPECT]# fence shell: refused: virsh undefine e2e-node01",
  ].join("\r\n");
  const run = (body: string, out: string) => check(fakeBin({}), body, { OUT: out }).status;

  test("the listing is virsh's table with a row for every lab domain", () => {
    expect(run('fence_listing_shows "$OUT" e2e-node01 e2e-node02', listing)).toBe(0);
    expect(run('fence_listing_shows "$OUT" e2e-node01 e2e-node03', listing)).toBe(1);
  });

  test("a refusal line naming the domain is not a listing (the old grep of the domain passed on it)", () => {
    expect(run('fence_listing_shows "$OUT" e2e-node01', refusedOnly)).toBe(1);
    expect(run('echo "$OUT" | grep -q e2e-node01', refusedOnly)).toBe(0);
  });

  test("a refusal is the shell's refusal of exactly that command", () => {
    expect(run('fence_refused "$OUT" "virsh undefine e2e-node01"', listing)).toBe(0);
    expect(run('fence_refused "$OUT" "virsh undefine e2e-node02"', listing)).toBe(1);
    expect(run('fence_refused "$OUT" "virsh list --all"', listing)).toBe(1);
  });

  test("the client's own command ran when its marker exists or its output (42, not the command line) shows", () => {
    const dir = tempDir("kvmlab-fence-");
    const marker = path.join(dir, "fence-client-command-ran");
    const ran = (out: string) =>
      check(fakeBin({}), 'fence_client_command_ran "$OUT" "$MARKER"', { OUT: out, MARKER: marker }).status;
    expect(ran(listing)).toBe(1);
    // The command line echoed (not run) holds $((6 * 7)), not its value.
    expect(ran(`${listing}\r\ntouch ${marker}; echo KVMLAB-CLIENT-$((6 * 7))`)).toBe(1);
    expect(ran(`KVMLAB-CLIENT-42\r\n${listing}`)).toBe(0);
    fs.writeFileSync(marker, "");
    expect(ran(listing)).toBe(0);
  });
});

describe("tgt_serves (the iSCSI target's ACL)", () => {
  /** `tgtadm --mode target --op show` of one target with this ACL. */
  const show = (acl: string[], iqn = "iqn.2011-08.com.example.kvmhost:e2e-tgt01") =>
    [
      `Target 1: ${iqn}`,
      "    System information:",
      "        Driver: iscsi",
      "        State: ready",
      "    LUN information:",
      "        LUN: 0",
      "            Type: controller",
      "    Account information:",
      "    ACL information:",
      ...acl.map((a) => `        ${a}`),
      "",
    ].join("\n");
  const IQN = "iqn.2011-08.com.example.kvmhost:e2e-tgt01";
  const serves = (out: string, ...addresses: string[]) =>
    check(fakeBin({}), `tgt_serves "$OUT" ${IQN} ${addresses.join(" ")}`, { OUT: out });

  test("passes a target whose ACL lists every node; says what is wrong otherwise", () => {
    expect(serves(show(["192.168.8.121", "192.168.8.122"]), "192.168.8.121", "192.168.8.122")).toMatchObject({
      status: 0,
      stdout: "",
    });
    expect(serves(show(["192.168.8.121"]), "192.168.8.121", "192.168.8.122")).toMatchObject({
      status: 1,
      stdout: "the ACL lacks 192.168.8.122\n",
    });
    expect(serves(show(["ALL"]), "192.168.8.121")).toMatchObject({
      status: 1,
      stdout: "the target's ACL is open to ALL\n",
    });
    expect(serves(show(["192.168.8.121"], `${IQN}-other`), "192.168.8.121")).toMatchObject({
      status: 1,
      stdout: `tgtd does not serve ${IQN}\n`,
    });
  });

  test("sees an ACL open to ALL that `echo | grep -qx ALL && fail` under pipefail passed (echo died of SIGPIPE)", () => {
    // ALL early, then far more output than a pipe holds (other targets' LUN lists), from tgtadm.
    const fake = fakeBin({ tgtadm: 'cat "$FAKE_ROOT/show"' });
    const filler = "        Backing store path: /var/lib/kvm-ha-lab/other/volume.img\n".repeat(40000);
    fs.writeFileSync(path.join(fake.root, "show"), `${show(["ALL", "192.168.8.121"])}${filler}`);
    expect(check(fake, `out=$(tgtadm); tgt_serves "$out" ${IQN} 192.168.8.121`)).toMatchObject({
      status: 1,
      stdout: "the target's ACL is open to ALL\n",
    });
    const old = check(
      fake,
      `out=$(tgtadm); echo "$out" | grep -qx '        ALL' && { echo open; exit 1; }; echo passed`,
    );
    expect(old).toMatchObject({ status: 0, stdout: "passed\n" });
  });
});

describe("golden_changes (the golden-file gate of scripts/test.sh)", () => {
  function repo(): string {
    const dir = tempDir("kvmlab-golden-");
    const git = (...args: string[]) =>
      expect(spawnSync("git", ["-C", dir, ...args], { encoding: "utf8" }).status).toBe(0);
    git("init", "-q");
    fs.mkdirSync(path.join(dir, "test", "golden"), { recursive: true });
    fs.writeFileSync(path.join(dir, "test", "golden", "a.conf"), "a\n");
    git("add", ".");
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "golden");
    return dir;
  }
  const changes = (dir: string) => check(fakeBin({}), `cd "${dir}" && golden_changes test/golden`);

  test("nothing when test/golden is as committed", () => {
    expect(changes(repo())).toMatchObject({ status: 0, stdout: "" });
  });

  test("names a rewritten file and an added one", () => {
    const dir = repo();
    fs.writeFileSync(path.join(dir, "test", "golden", "a.conf"), "rewritten\n");
    fs.mkdirSync(path.join(dir, "test", "golden", "new"));
    fs.writeFileSync(path.join(dir, "test", "golden", "new", "b.conf"), "b\n");
    expect(changes(dir)).toMatchObject({
      status: 0,
      stdout: " M test/golden/a.conf\n?? test/golden/new/b.conf\n",
    });
  });

  test("fails outside a git work tree instead of reading as unchanged", () => {
    const r = check(fakeBin({}), `cd "${tempDir("kvmlab-nogit-")}" && golden_changes test/golden`);
    expect(r.status).not.toBe(0);
  });
});

describe("copy_program (the program the engine runs in a throwaway copy)", () => {
  /** Relative imports of every .ts file reachable from `entry`, as [importer, specifier] when unresolved. */
  function unresolvedImports(root: string, entry: string): string[] {
    const seen = new Set<string>();
    const missing: string[] = [];
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const { importedFiles } = ts.preProcessFile(fs.readFileSync(file, "utf8"), true, true);
      for (const { fileName } of importedFiles) {
        if (!fileName.startsWith(".")) continue;
        const base = path.resolve(path.dirname(file), fileName);
        const found = [`${base}.ts`, path.join(base, "index.ts"), base].find(
          (f) => fs.existsSync(f) && fs.statSync(f).isFile(),
        );
        if (found === undefined) missing.push(`${path.relative(root, file)} → ${fileName}`);
        else if (found.endsWith(".ts")) visit(found);
      }
    };
    visit(path.join(root, entry));
    return missing;
  }

  test("the copy holds every file index.ts reaches, and no test, doc or stack file", () => {
    const dir = path.join(tempDir("kvmlab-copy-"), "project");
    const r = check(fakeBin({}), `copy_program '${dir}'`);
    expect(r).toMatchObject({ status: 0, stderr: "" });
    expect(unresolvedImports(dir, "index.ts")).toEqual([]);
    for (const absent of ["test", "docs", "Pulumi.dev.yaml"])
      expect(fs.existsSync(path.join(dir, absent))).toBe(false);
    for (const present of ["Pulumi.yaml", "package.json", "tsconfig.json"]) {
      expect(fs.existsSync(path.join(dir, present))).toBe(true);
    }
  });
});
