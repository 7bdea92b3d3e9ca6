/**
 * Tests of providers/exec/ssh.ts against a real OpenSSH server started on 127.0.0.1 for this file.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { utils } from "ssh2";
import { z } from "zod";
import { defineProvider, type Props } from "../../../providers/core/base";
import { serialiseAndRevive } from "../../support/serialised";
import {
  HostKeyMismatchError,
  hostKeyAlgorithms,
  RemoteCommandError,
  runRemote,
  shellJoin,
  shellQuote,
  SshConnectionError,
  SshSession,
  uploadFile,
  withSession,
  type SshTarget,
} from "../../../providers/exec/ssh";

const SSHD = "/usr/sbin/sshd";

let dir = "";
let sshd: ChildProcess | undefined;
let target: SshTarget;
let hostPublicKey = "";
let hostEcdsaPublicKey = "";

/** A TCP port that nothing listens on (at the moment of asking). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts sshd in the foreground and resolves once it listens. */
function startSshd(configPath: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(SSHD, ["-D", "-e", "-f", configPath], { stdio: ["ignore", "ignore", "pipe"] });
    let log = "";
    const timer = setTimeout(() => reject(new Error(`sshd did not start within 10s:\n${log}`)), 10_000);
    child.stderr?.on("data", (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes("Server listening on")) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`sshd exited with code ${code}:\n${log}`));
    });
  });
}

/** Whether a process whose command line contains `needle` exists (reads /proc). */
function processRunning(needle: string): boolean {
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
      if (cmdline.includes(needle)) return true;
    } catch {
      // The process ended while we looked.
    }
  }
  return false;
}

async function waitUntil(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return cond();
}

beforeAll(async () => {
  if (!existsSync(SSHD)) {
    throw new Error(
      `${SSHD} is missing: these tests need a real OpenSSH server. Run \`apt-get install -y openssh-server\` ` +
        "(the project's scripts install it).",
    );
  }
  dir = mkdtempSync(join(tmpdir(), "kvmlab-sshd-"));
  const hostKeyPath = join(dir, "ssh_host_ed25519_key");
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "test-host", "-f", hostKeyPath]);
  hostPublicKey = readFileSync(`${hostKeyPath}.pub`, "utf8").trim();
  // A second host key, as a real node has (the client prefers ed25519 when it may choose).
  const ecdsaKeyPath = join(dir, "ssh_host_ecdsa_key");
  execFileSync("ssh-keygen", ["-q", "-t", "ecdsa", "-N", "", "-C", "test-host", "-f", ecdsaKeyPath]);
  hostEcdsaPublicKey = readFileSync(`${ecdsaKeyPath}.pub`, "utf8").trim();
  const client = utils.generateKeyPairSync("ed25519", { comment: "kvmlab-test" });
  writeFileSync(join(dir, "authorized_keys"), `${client.public}\n`, { mode: 0o600 });
  // sshd refuses to start without its privilege-separation directory; the package normally creates it.
  mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  const port = await freePort();
  const config = [
    `Port ${port}`,
    "ListenAddress 127.0.0.1",
    `HostKey ${hostKeyPath}`,
    `HostKey ${ecdsaKeyPath}`,
    `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
    `PidFile ${join(dir, "sshd.pid")}`,
    "UsePAM no",
    "PermitRootLogin yes",
    "StrictModes no",
    "PubkeyAuthentication yes",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "LogLevel INFO",
    "",
  ].join("\n");
  const configPath = join(dir, "sshd_config");
  writeFileSync(configPath, config);
  sshd = await startSshd(configPath);
  target = { host: "127.0.0.1", port, username: userInfo().username, privateKey: client.private };
});

afterAll(async () => {
  if (sshd && sshd.exitCode === null) {
    const exited = new Promise((resolve) => sshd?.once("exit", resolve));
    sshd.kill("SIGTERM");
    await exited;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("runRemote", () => {
  test("runs a command and returns stdout, stderr and the exit code", async () => {
    const r = await runRemote(target, "echo hello; echo warn >&2");
    expect(r).toMatchObject({ stdout: "hello\n", stderr: "warn\n", code: 0 });
  });

  test("okExitCodes accept a non-zero code", async () => {
    const r = await runRemote(target, "exit 3", { okExitCodes: [0, 3] });
    expect(r.code).toBe(3);
  });

  test("streams a stdin payload to the command (1 MiB through sha256sum)", async () => {
    const payload = randomBytes(1024 * 1024);
    const r = await runRemote(target, "sha256sum", { stdin: payload });
    expect(r.stdout.split(" ")[0]).toBe(createHash("sha256").update(payload).digest("hex"));
  });

  test("stdin is closed when no payload is given (cat does not hang)", async () => {
    // A hanging cat would be killed at the limit; 30 s leaves room for a busy machine.
    const r = await runRemote(target, "cat; echo done", { timeoutSeconds: 30 });
    expect(r.stdout).toBe("done\n");
  });

  test("a non-zero exit throws RemoteCommandError with the code and stderr", async () => {
    const err = await runRemote(target, "echo partial; echo 'disk on fire' >&2; exit 7").catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RemoteCommandError);
    const e = err as RemoteCommandError;
    expect(e.code).toBe(7);
    expect(e.stderrTail).toContain("disk on fire");
    expect(e.stdoutTail).toContain("partial");
    expect(e.host).toBe(`${target.username}@127.0.0.1:${target.port}`);
    expect(e.message).toContain("exit code 7");
    expect(e.message).toContain("disk on fire");
    expect(e.timedOut).toBe(false);
  });

  test("a timeout kills the remote command well within the limit", async () => {
    const marker = `sleep 31.${process.pid}`; // unique, so a leftover from another run cannot interfere
    const started = Date.now();
    const err = await runRemote(target, `${marker}; echo never`, { timeoutSeconds: 1 }).catch(
      (e: unknown) => e,
    );
    const elapsed = Date.now() - started;
    expect(err).toBeInstanceOf(RemoteCommandError);
    expect((err as RemoteCommandError).timedOut).toBe(true);
    expect((err as RemoteCommandError).message).toContain("timed out after 1s");
    expect(elapsed).toBeLessThan(5000);
    // The remote process was killed too, not only our end of the channel (a compound command, as root).
    expect(await waitUntil(() => !processRunning(marker), 5000)).toBe(true);
  });

  test("env variables are exported for the command, quoted safely", async () => {
    const r = await runRemote(target, 'printf %s "$GREETING"', { env: { GREETING: "it's a $HOME `x`" } });
    expect(r.stdout).toBe("it's a $HOME `x`");
  });

  test("sensitive strings are redacted from errors, also in their shell-quoted form", async () => {
    const secret = "hunter2's-Pa$$";
    const err = (await runRemote(
      target,
      `printf %s ${shellQuote(secret)} >&2; echo ${shellQuote(secret)}; exit 4`,
      {
        sensitive: [secret],
      },
    ).catch((e: unknown) => e)) as RemoteCommandError;
    expect(err).toBeInstanceOf(RemoteCommandError);
    for (const text of [err.message, err.command, err.stderrTail, err.stdoutTail, String(err.stack)]) {
      expect(text).not.toContain("hunter2");
    }
    expect(err.message).toContain("***");
    expect(err.code).toBe(4);
  });
});

describe("host keys", () => {
  test("the accepted host key is returned, for pinning", async () => {
    const r = await runRemote(target, "true");
    const [type, b64] = hostPublicKey.split(" ");
    expect(r.hostKey).toBe(`${type} ${b64}`);
  });

  test("a pinned, matching host key connects (a trailing comment is ignored)", async () => {
    const r = await runRemote({ ...target, hostKey: hostPublicKey }, "echo ok");
    expect(r.stdout).toBe("ok\n");
  });

  test("a pinned key of the server's less preferred type is the one it presents (the pin picks the algorithm)", async () => {
    const r = await runRemote({ ...target, hostKey: hostEcdsaPublicKey }, "echo ok");
    expect(r.stdout).toBe("ok\n");
    expect(r.hostKey).toBe(hostEcdsaPublicKey.split(" ").slice(0, 2).join(" "));
    expect(hostKeyAlgorithms(hostEcdsaPublicKey)).toEqual(["ecdsa-sha2-nistp256"]);
    expect(hostKeyAlgorithms("ssh-rsa AAAAB3 c")).toEqual(["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"]);
  });

  test("a host key mismatch is rejected at once, without retries", async () => {
    const other = utils.generateKeyPairSync("ed25519").public;
    const err = await runRemote({ ...target, hostKey: other }, "touch /should-not-exist", {
      retries: 3,
      retryDelayMs: 2000,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostKeyMismatchError);
    expect((err as HostKeyMismatchError).attempts).toBe(1);
    expect((err as Error).message).toMatch(
      /host key mismatch: expected ssh-ed25519 .* server presented ssh-ed25519/,
    );
  });
});

describe("connection retries", () => {
  test("connection refused is retried with backoff, then fails clearly", async () => {
    const closedPort = await freePort();
    const started = Date.now();
    const err = await runRemote({ ...target, port: closedPort }, "true", {
      retries: 3,
      retryDelayMs: 40,
    }).catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(err).toBeInstanceOf(SshConnectionError);
    const e = err as SshConnectionError;
    expect(e.attempts).toBe(4);
    expect(e.message).toContain(`127.0.0.1:${closedPort}`);
    expect(e.message).toContain("ECONNREFUSED");
    expect(e.message).toContain("after 4 attempt(s)");
    // Backoff with equal jitter: at least 20 + 40 + 80 ms, well under the undelayed maximum.
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(5000);
  });

  test("a wrong client key fails after the configured retries", async () => {
    const stranger = utils.generateKeyPairSync("ed25519").private;
    const err = await runRemote({ ...target, privateKey: stranger }, "true", {
      retries: 1,
      retryDelayMs: 10,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SshConnectionError);
    expect((err as Error).message).toMatch(/after 2 attempt\(s\): authentication failed/);
  });

  test("an unparsable private key fails at once", async () => {
    const err = await runRemote({ ...target, privateKey: "not a key" }, "true", {
      retries: 3,
      retryDelayMs: 1000,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SshConnectionError);
    expect((err as SshConnectionError).attempts).toBe(1);
  });
});

describe("sessions", () => {
  test("several commands run on one connection", async () => {
    const connections = await withSession(target, async (session) => {
      const seen: string[] = [];
      for (let i = 0; i < 3; i++) seen.push((await session.run('echo "$SSH_CONNECTION"')).stdout.trim());
      const failed = await session.run("exit 2").catch((e: unknown) => e);
      expect(failed).toBeInstanceOf(RemoteCommandError);
      const timedOut = await session.run("sleep 20", { timeoutSeconds: 0.5 }).catch((e: unknown) => e);
      expect((timedOut as RemoteCommandError).timedOut).toBe(true);
      seen.push((await session.run('echo "$SSH_CONNECTION"')).stdout.trim());
      return seen;
    });
    expect(new Set(connections).size).toBe(1);
    expect(connections[0]).toMatch(/^127\.0\.0\.1 \d+ 127\.0\.0\.1 \d+$/);
  });

  test("a closed session refuses new commands", async () => {
    const session = await SshSession.open(target);
    session.close();
    await expect(session.run("true")).rejects.toThrow("session is closed");
  });

  test("uploadFile writes exact bytes and mode, atomically, over an existing file", async () => {
    const path = join(dir, "upload dir", "payload.bin");
    mkdirSync(join(dir, "upload dir"));
    writeFileSync(path, "old");
    const bytes = Buffer.concat([randomBytes(70_000), Buffer.from("\0\n'\"$x\n")]);
    await withSession(target, async (session) => {
      await uploadFile(session, path, bytes, 0o640);
      expect(readFileSync(path).equals(bytes)).toBe(true);
      expect(statSync(path).mode & 0o7777).toBe(0o640);
      await uploadFile(session, path, "text\n", "0600");
    });
    expect(readFileSync(path, "utf8")).toBe("text\n");
    expect(statSync(path).mode & 0o7777).toBe(0o600);
    expect(readdirSync(join(dir, "upload dir"))).toEqual(["payload.bin"]);
  });

  test("uploadFile rejects relative paths and bad modes", async () => {
    await withSession(target, async (session) => {
      await expect(uploadFile(session, "relative/x", "a", "0644")).rejects.toThrow("must be absolute");
      await expect(uploadFile(session, "/tmp/x", "a", "999")).rejects.toThrow("invalid mode");
    });
  });
});

describe("shellQuote", () => {
  test("round-trips awkward strings through a real shell", async () => {
    const words = ["plain", "", "with space", "it's", "$HOME", "`x`", "a\nb", "*", "-n", "ü€"];
    const r = await runRemote(target, `printf '%s\\0' ${shellJoin(words)}`);
    expect(r.stdout.split("\0").slice(0, -1)).toEqual(words);
    expect(shellQuote("simple-word_1.2/x")).toBe("simple-word_1.2/x");
  });
});

describe("a provider that uses the SSH module survives closure serialisation", () => {
  test("revived provider runs a remote command", async () => {
    const provider = defineProvider({
      kind: "RemoteEcho",
      schema: () => z.object({ host: z.string(), port: z.number(), username: z.string(), key: z.string() }),
      async create(inputs) {
        const r = await runRemote(
          { host: inputs.host, port: inputs.port, username: inputs.username, privateKey: inputs.key },
          "hostname",
          { retries: 0 },
        );
        return { id: r.stdout.trim(), outs: { hostKey: r.hostKey ?? "" } };
      },
    });
    const { revived } = await serialiseAndRevive(provider, true);
    const inputs: Props = {
      host: target.host,
      port: target.port,
      username: target.username,
      key: target.privateKey,
    };
    const created = await revived.create(inputs);
    expect(created.id).toBe(execFileSync("hostname").toString().trim());
    expect(created.outs.hostKey).toMatch(/^ssh-ed25519 /);
  });
});
