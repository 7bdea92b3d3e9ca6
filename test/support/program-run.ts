/**
 * Running the program (index.ts) the way `pulumi preview` does — Pulumi's own Node runner
 * (`@pulumi/pulumi/cmd/run`) with the stack's config in `PULUMI_CONFIG` — against a resource monitor
 * of our own that registers the stack and nothing else, and no engine: the runner then prints what
 * it would log to the engine on stderr (`error: [runtime] …`). What a user sees when the program
 * stops before it declares anything (a configuration it refuses), and its exit status.
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as emptyproto from "google-protobuf/google/protobuf/empty_pb";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import * as resrpc from "@pulumi/pulumi/proto/resource_grpc_pb";
import * as resproto from "@pulumi/pulumi/proto/resource_pb";

/** The project's root. */
const ROOT = path.join(__dirname, "..", "..");

/** What one run of the program printed, and how it ended. */
export interface ProgramRun {
  stdout: string;
  stderr: string;
  /** The runner's exit status (32: it printed the failure itself). */
  status: number | null;
}

/** A resource monitor that registers every resource as having no outputs and supports no feature. */
async function startMonitor(): Promise<{ address: string; stop: () => void }> {
  const server = new grpc.Server();
  server.addService(resrpc.ResourceMonitorService, {
    registerResource(
      call: grpc.ServerUnaryCall<resproto.RegisterResourceRequest, resproto.RegisterResourceResponse>,
      callback: grpc.sendUnaryData<resproto.RegisterResourceResponse>,
    ) {
      const req = call.request;
      const response = new resproto.RegisterResourceResponse();
      response.setUrn(`urn:pulumi:dev::kvm-ha-lab::${req.getType()}::${req.getName()}`);
      response.setObject(structproto.Struct.fromJavaScript({}));
      callback(null, response);
    },
    registerResourceOutputs(_call: unknown, callback: grpc.sendUnaryData<emptyproto.Empty>) {
      callback(null, new emptyproto.Empty());
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return { address: `127.0.0.1:${port}`, stop: () => server.forceShutdown() };
}

/** Runs the program with `lab` as the stack's `kvm-ha-lab:lab`, as a preview of stack dev. */
export async function runProgram(lab: unknown): Promise<ProgramRun> {
  const monitor = await startMonitor();
  try {
    const child = spawn(
      process.execPath,
      [
        path.join(ROOT, "node_modules", "@pulumi", "pulumi", "cmd", "run"),
        `--monitor=${monitor.address}`,
        "--project=kvm-ha-lab",
        "--stack=dev",
        `--pwd=${ROOT}`,
        "--dry-run",
        ".",
      ],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? "/usr/bin:/bin",
          HOME: process.env.HOME ?? "/root",
          PULUMI_CONFIG: JSON.stringify({ "kvm-ha-lab:lab": JSON.stringify(lab) }),
          PULUMI_NODEJS_TYPESCRIPT: "true",
          PULUMI_NODEJS_TRANSPILE_ONLY: "true",
        },
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const status = await new Promise<number | null>((resolve) => child.on("close", resolve));
    return { stdout, stderr, status };
  } finally {
    monitor.stop();
  }
}
