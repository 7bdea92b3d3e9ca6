/**
 * Golden and behaviour tests of the host-side renderers: the base-image builder script, the lab
 * sshd_config and the restricted fence shell, rendered from the default lab
 * (`parseLabSpec({ name: "dev" })`).
 *
 * Each rendering is compared byte for byte with its file under test/golden/. After an intended
 * change of a renderer, regenerate the files with
 *
 *     UPDATE_GOLDEN=1 npx jest test/render-host.test.ts
 *
 * and review the diff before committing it. The bash renderings are also syntax-checked with
 * `bash -n`, and the fence shell is run for real against a fake `virsh` on PATH.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createHash } from "node:crypto";
import { execFileSync, spawnSync } from "node:child_process";
import { parseLabSpec } from "../spec";
import { LAB_PACKAGES } from "../components/image/base-image";
import {
  IMAGE_BUILDER_VERSION,
  IMAGE_CACHE_DIR,
  builtImagePaths,
  imageContentKey,
  normalisedPackages,
  renderImageBuildScript,
  type ImageBuildInput,
} from "../providers/image/image-build-script";
import { renderSshdConfig, sshdPaths, type SshdConfigInput } from "../providers/host/sshd-config";
import { renderFenceShell, type FenceShellInput } from "../providers/host/fence-shell";

import { expectGolden } from "./golden";

/** `bash -n` on a script: throws with bash's message when the syntax is wrong. */
function bashSyntaxCheck(script: string): void {
  const r = spawnSync("bash", ["-n"], { input: script, encoding: "utf8" });
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
}

const spec = parseLabSpec({ name: "dev" });

const imageInput: ImageBuildInput = {
  suite: "bookworm",
  mirror: "http://deb.debian.org/debian",
  packages: LAB_PACKAGES,
  sizeGiB: 4,
};

const sshdInput: SshdConfigInput = {
  address: spec.host.address,
  port: spec.host.sshPort,
  user: spec.host.sshUser,
  dir: `${spec.host.stateDir}/sshd`,
};

const fenceInput: FenceShellInput = {
  libvirtUri: spec.host.libvirtUri,
  domains: spec.nodes.map((n) => n.domainName),
};

describe("base-image build script", () => {
  const script = renderImageBuildScript(imageInput);

  test("the default lab's image input is what the spec defaults say", () => {
    expect([spec.image.suite, spec.image.mirror, spec.image.sizeGiB]).toEqual([
      imageInput.suite,
      imageInput.mirror,
      imageInput.sizeGiB,
    ]);
  });

  test("matches the golden file (bookworm, lab packages, 4 GiB)", () => {
    expectGolden("image-build-bookworm.sh", script);
  });

  test("is valid bash (bash -n)", () => {
    bashSyntaxCheck(script);
  });

  test("is pure, and carries the sorted package list, mirror, suite, size and cache directory", () => {
    expect(renderImageBuildScript(imageInput)).toBe(script);
    const paths = builtImagePaths(imageInput);
    expect(paths.dir).toBe(`${IMAGE_CACHE_DIR}/bookworm-${imageContentKey(imageInput)}`);
    expect(paths.imagePath).toBe(`${paths.dir}/disk.qcow2`);
    expect(script).toContain(`out=${paths.dir}\n`);
    expect(script).toContain(`packages=(${[...LAB_PACKAGES].sort().join(" ")})\n`);
    expect(script).toContain("mirror=http://deb.debian.org/debian\n");
    expect(script).toContain("suite=bookworm\n");
    expect(script).toContain('"$work/disk.raw" 4G\n');
    expect(script).toContain(`builder v${IMAGE_BUILDER_VERSION} `);
    // The finished marker is written last, and the result appears by one rename.
    expect(script.indexOf('touch "$work/complete"')).toBeLessThan(script.indexOf('mv "$work" "$out"'));
    const elsewhere = renderImageBuildScript({ ...imageInput, cacheDir: "/srv/cache" });
    expect(elsewhere).toContain(`out=/srv/cache/bookworm-${imageContentKey(imageInput)}\n`);
  });

  test("services of the cluster are not started at boot", () => {
    expect(script).toContain(
      "for unit in pacemaker.service corosync.service postgresql.service tgt.service; do",
    );
  });
});

describe("imageContentKey", () => {
  const key = imageContentKey(imageInput);

  test("is a 24-hex-digit sha256 over builder version, suite, sorted unique packages and size", () => {
    expect(key).toMatch(/^[0-9a-f]{24}$/);
    const hash = (builder: string) =>
      createHash("sha256")
        .update(
          JSON.stringify({
            builder,
            suite: "bookworm",
            packages: normalisedPackages(LAB_PACKAGES),
            sizeGiB: 4,
          }),
        )
        .digest("hex")
        .slice(0, 24);
    expect(key).toBe(hash(IMAGE_BUILDER_VERSION));
    // A new builder version is a new key (so a changed builder never reuses an old image).
    expect(hash(`${IMAGE_BUILDER_VERSION}.next`)).not.toBe(key);
  });

  test("changes with the suite, the package set and the size", () => {
    expect(imageContentKey({ ...imageInput, suite: "trixie" })).not.toBe(key);
    expect(imageContentKey({ ...imageInput, packages: [...LAB_PACKAGES, "htop"] })).not.toBe(key);
    expect(imageContentKey({ ...imageInput, packages: LAB_PACKAGES.slice(1) })).not.toBe(key);
    expect(imageContentKey({ ...imageInput, sizeGiB: 5 })).not.toBe(key);
  });

  test("does not change with the mirror, the package order, duplicates or blanks", () => {
    expect(imageContentKey({ ...imageInput, mirror: "http://ftp.de.debian.org/debian" })).toBe(key);
    expect(imageContentKey({ ...imageInput, packages: [...LAB_PACKAGES].reverse() })).toBe(key);
    expect(imageContentKey({ ...imageInput, packages: [...LAB_PACKAGES, ...LAB_PACKAGES.slice(0, 3)] })).toBe(
      key,
    );
    expect(imageContentKey({ ...imageInput, packages: [...LAB_PACKAGES, " "] })).toBe(key);
    expect(imageContentKey({ ...imageInput, cacheDir: "/srv/cache" })).toBe(key);
  });

  test("the mirror changes the script but not where the image lands", () => {
    const other = { ...imageInput, mirror: "http://ftp.de.debian.org/debian" };
    expect(renderImageBuildScript(other)).not.toBe(renderImageBuildScript(imageInput));
    expect(builtImagePaths(other)).toEqual(builtImagePaths(imageInput));
  });
});

describe("base-image build script rejects what cannot go into a script safely", () => {
  test.each<[string, Partial<ImageBuildInput>, RegExp]>([
    ["a package name with a space", { packages: ["openssh-server", "bad pkg"] }, /"bad pkg".*package name/],
    ["a package name with shell syntax", { packages: ["vim;reboot"] }, /"vim;reboot".*package name/],
    ["an upper-case package name", { packages: ["Vim"] }, /"Vim".*package name/],
    [
      "a mirror that is not http(s)",
      { mirror: "ftp://deb.debian.org/debian" },
      /mirror "ftp:.*http\(s\) URL/,
    ],
    ["a mirror with a quote", { mirror: "http://x/'; reboot; '" }, /mirror .*http\(s\) URL/],
    ["a suite with shell syntax", { suite: "bookworm;id" }, /suite "bookworm;id"/],
    ["a size below 2 GiB", { sizeGiB: 1 }, /sizeGiB 1 must be an integer from 2 to 64/],
    ["a size above 64 GiB", { sizeGiB: 65 }, /sizeGiB 65 must be an integer from 2 to 64/],
    ["a fractional size", { sizeGiB: 4.5 }, /sizeGiB 4\.5 must be an integer/],
  ])("%s", (_label, change, message) => {
    expect(() => renderImageBuildScript({ ...imageInput, ...change })).toThrow(message);
  });
});

describe("sshd_config", () => {
  const config = renderSshdConfig(sshdInput);

  test("matches the golden file (default lab)", () => {
    expectGolden("sshd_config-dev", config);
  });

  test("listens only on the management address, keys only, everything under its own directory", () => {
    const lines = config.trimEnd().split("\n");
    const p = sshdPaths(sshdInput.dir);
    expect(lines).toContain("ListenAddress 192.168.8.1:22");
    expect(lines).toContain(`HostKey ${p.hostKey}`);
    expect(lines).toContain(`PidFile ${p.pidFile}`);
    expect(lines).toContain(`AuthorizedKeysFile ${p.authorizedKeysDir}/%u`);
    expect(lines).toContain(`AllowUsers ${spec.host.sshUser}`);
    expect(lines).toContain("PasswordAuthentication no");
    expect(lines).toContain("AllowTcpForwarding no");
    expect(lines.filter((l) => l.startsWith("ListenAddress"))).toHaveLength(1);
    expect(p.fenceShell).toBe(`${sshdInput.dir}/fence-shell`);
  });

  test.each<[string, Partial<SshdConfigInput>, RegExp]>([
    ["a host name as address", { address: "kvmhost01" }, /"kvmhost01" is not an IPv4 address/],
    ["an IPv6 address", { address: "::1" }, /"::1" is not an IPv4 address/],
    ["a truncated address", { address: "192.168.8" }, /"192\.168\.8" is not an IPv4 address/],
    ["an octet out of range", { address: "192.168.8.300" }, /"192\.168\.8\.300" is not an IPv4 address/],
    ["an address with a newline", { address: "192.168.8.1\nPermitRootLogin yes" }, /is not an IPv4 address/],
    ["port 0", { port: 0 }, /port 0 is not in 1–65535/],
    ["port 65536", { port: 65536 }, /port 65536 is not in 1–65535/],
    ["a user with a space", { user: "root admin" }, /"root admin" is not a user name/],
  ])("rejects %s, naming the field", (_label, change, message) => {
    expect(() => renderSshdConfig({ ...sshdInput, ...change })).toThrow(message);
  });
});

describe("fence shell", () => {
  const shell = renderFenceShell(fenceInput);

  test("matches the golden file (default lab)", () => {
    expectGolden("fence-shell-dev.sh", shell);
  });

  test("is valid bash (bash -n)", () => {
    bashSyntaxCheck(shell);
  });

  test("holds the lab's URI and its domains, sorted and unique", () => {
    expect(shell).toContain("uri=qemu:///system\n");
    expect(shell).toContain("domains=(dev-node01 dev-node02)\n");
    const again = renderFenceShell({ ...fenceInput, domains: ["dev-node02", "dev-node01", "dev-node02"] });
    expect(again).toBe(shell);
  });

  test.each([["dev node01"], ["dev-node01;reboot"], ["$(id)"], [""]])(
    "rejects the domain name %j, naming it as a domain",
    (bad) => {
      expect(() => renderFenceShell({ ...fenceInput, domains: ["dev-node01", bad] })).toThrow(
        `fence shell: "${bad}" is not a plain domain name`,
      );
    },
  );
});

describe("fence shell, run for real against a fake virsh", () => {
  let dir: string;
  let log: string;
  let result: { status: number | null; stdout: string; stderr: string };

  const session = [
    "virsh list --all",
    "virsh domstate dev-node01",
    "virsh destroy dev-node02",
    "virsh start dev-node01\r", // ssh -t sessions may send CR LF
    "",
    "virsh undefine dev-node01",
    "virsh destroy other-vm",
    "rm -rf /",
    "virsh list --all; id",
    "virsh domstate dev-node01 --reason",
    "virsh destroy $(id)",
    "virsh list --all --name",
    "quit",
    "virsh start dev-node02",
  ];

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kvmlab-fence-"));
    log = path.join(dir, "virsh.log");
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    // A fake virsh: records its arguments (one per line, a blank line after each call) and echoes them.
    fs.writeFileSync(
      path.join(bin, "virsh"),
      '#!/bin/sh\nfor a in "$@"; do printf \'%s\\n\' "$a" >>"$FAKE_VIRSH_LOG"; done\n' +
        'echo >>"$FAKE_VIRSH_LOG"\necho "fake-virsh $*"\n',
      { mode: 0o755 },
    );
    const shellPath = path.join(dir, "fence-shell");
    fs.writeFileSync(
      shellPath,
      renderFenceShell({ libvirtUri: "qemu:///system", domains: fenceInput.domains }),
      {
        mode: 0o755,
      },
    );
    const r = spawnSync("bash", [shellPath], {
      input: session.join("\n") + "\n",
      encoding: "utf8",
      env: { PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}`, FAKE_VIRSH_LOG: log, LC_ALL: "C" },
      timeout: 20_000,
    });
    result = { status: r.status, stdout: r.stdout, stderr: r.stderr };
  });

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The recorded virsh calls, each as its argument list. */
  function calls(): string[][] {
    if (!fs.existsSync(log)) return [];
    return fs
      .readFileSync(log, "utf8")
      .split("\n\n")
      .filter((c) => c.trim() !== "")
      .map((c) => c.split("\n").filter((a) => a !== ""));
  }

  test("quit ends the session with exit code 0; nothing after it runs", () => {
    expect(result.status).toBe(0);
    expect(result.stdout).not.toContain("fake-virsh -c qemu:///system start dev-node02");
  });

  test("prints fence_virsh's prompt before every command", () => {
    expect(result.stdout.startsWith("[EXPECT]# ")).toBe(true);
    // One prompt per line read up to and including quit.
    expect(result.stdout.split("[EXPECT]# ")).toHaveLength(session.indexOf("quit") + 2);
  });

  test("the allowed commands reach virsh with the lab's URI and exactly their arguments", () => {
    expect(calls()).toEqual([
      ["-c", "qemu:///system", "list", "--all"],
      ["-c", "qemu:///system", "domstate", "dev-node01"],
      ["-c", "qemu:///system", "destroy", "dev-node02"],
      ["-c", "qemu:///system", "start", "dev-node01"],
    ]);
    expect(result.stdout).toContain("fake-virsh -c qemu:///system domstate dev-node01\n");
  });

  test("everything else is refused on stderr and never reaches virsh", () => {
    const refused = result.stderr.trimEnd().split("\n");
    expect(refused).toEqual([
      "fence shell: refused: virsh undefine dev-node01",
      "fence shell: refused: virsh destroy other-vm",
      "fence shell: refused: rm -rf /",
      "fence shell: refused: virsh list --all; id",
      "fence shell: refused: virsh domstate dev-node01 --reason",
      "fence shell: refused: virsh destroy $(id)",
      "fence shell: refused: virsh list --all --name",
    ]);
    expect(result.stdout).not.toMatch(/uid=/);
  });

  test("end of input ends the session too", () => {
    const r = execFileSync("bash", [path.join(dir, "fence-shell")], {
      input: "virsh destroy other-vm\n",
      env: { PATH: `${path.join(dir, "bin")}:${process.env.PATH ?? "/usr/bin:/bin"}`, FAKE_VIRSH_LOG: log },
      stdio: ["pipe", "pipe", "ignore"],
    }).toString();
    expect(r).toBe("[EXPECT]# [EXPECT]# ");
  });
});
