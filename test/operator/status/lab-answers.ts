/**
 * The dev lab answering the status probes, healthy or degraded: fake host and node runners for
 * operator/status/gather.ts that answer each probe script with the fixtures' tool output.
 */
import type { GatherOptions } from "../../../operator/status/gather";
import {
  crmMon,
  FAILURES,
  FENCE_HISTORY,
  FENCE_HISTORY_EMPTY,
  healSummary,
  knetStats,
  nodeProbe,
  TGT_SHOW,
  VOLUME_INFO,
  volumeStatus,
} from "../../fixtures/operator-status";

/** The state of the lab the runners describe. */
export interface LabState {
  /** Nodes whose SSH does not answer (their VM shut off). */
  down: string[];
  /** The cluster node service01 runs on. */
  on: string;
  failures: boolean;
  fenced: boolean;
}

export const HEALTHY: LabState = { down: [], on: "node01h", failures: false, fenced: false };
export const DEGRADED: LabState = { down: ["node02"], on: "node01h", failures: true, fenced: true };

const NODE_OF_ADDRESS: Record<string, "node01" | "node02"> = {
  "192.168.8.121": "node01",
  "192.168.8.122": "node02",
};

/** Every script the runners were given, in order, with where it ran. */
export type Calls = { where: string; script: string }[];

/** Fake runners answering as the dev lab in `state` does; `calls` records each script. */
export function labRunners(state: LabState, calls: Calls = []): GatherOptions {
  let tick = 0;
  return {
    now: () => new Date(Date.UTC(2026, 10, 27, 21, 40, 12) + 3200 * tick++),
    runHost: async (script) => {
      calls.push({ where: "host", script });
      return script
        .split("\n")
        .flatMap((line) => {
          const m = /^echo "== (domain-(\d)|tgt)"/.exec(line);
          if (m === null) return [];
          if (m[1] === "tgt") return ["== tgt", TGT_SHOW];
          const node = `node0${Number(m[2]) + 1}`;
          return [`== ${m[1]}`, state.down.includes(node) ? "shut off" : "running"];
        })
        .join("\n");
    },
    runNode: async (address, key, script) => {
      const node = NODE_OF_ADDRESS[address];
      calls.push({ where: node, script });
      if (key !== "KEY") throw new Error("wrong key");
      if (state.down.includes(node)) {
        const err = new Error(`ssh root@${address}:22: connect EHOSTUNREACH ${address}:22`);
        err.name = "SshConnectionError";
        throw err;
      }
      if (script.includes("== boot")) {
        const others = state.down.map((d) => (d === "node02" ? "2" : "1"));
        return nodeProbe(node === "node01" ? 1 : 2, {
          mounted: state.on === `${node}h`,
          knet: knetStats(others.flatMap((n) => [`${n}.0`, `${n}.1`])),
        });
      }
      if (script.includes("crm_mon")) {
        return [
          "== crm_mon",
          crmMon({
            on: state.on,
            ...(state.down.length > 0 ? { offline: "node02h" } : {}),
            ...(state.failures ? { failures: FAILURES } : {}),
          }),
          "== fencing",
          state.fenced ? FENCE_HISTORY : FENCE_HISTORY_EMPTY,
        ].join("\n");
      }
      if (script.includes("gluster")) {
        const down = state.down.includes("node02");
        return [
          "== info",
          VOLUME_INFO,
          "== status",
          volumeStatus([true, !down]),
          "== heal",
          healSummary(down ? [3, null] : [0, 0]),
        ].join("\n");
      }
      throw new Error(`no answer for ${script.slice(0, 60)}`);
    },
  };
}
