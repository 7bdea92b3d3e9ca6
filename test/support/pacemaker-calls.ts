/** The fake lab's record read as pacemaker steps: what each script is, on which member. */
import {
  DESTROY_SCRIPT,
  MEMBER_SCRIPT,
  PASSWORD_SCRIPT,
  READ_MEMBER_SCRIPT,
  READ_STATE_SCRIPT,
  STATE_SCRIPT,
} from "../../providers/cluster/pacemaker/pcs-cluster";
import { NODE_OF } from "../fixtures/cluster-lab";
import { lab, type Call } from "./fake-lab";

/** What a script is, by what the providers' builders put in it (the read's scripts as their plain ones). */
export function kindOf(script: string): string {
  if (script === STATE_SCRIPT || script === READ_STATE_SCRIPT) return "state";
  if (script === MEMBER_SCRIPT || script === READ_MEMBER_SCRIPT) return "member";
  if (script === PASSWORD_SCRIPT) return "password";
  if (script.startsWith("set -e\n")) return "batch";
  if (/PG_VERSION/.test(script)) return "pg-init";
  if (/\necho repaired$/.test(script)) return "pg-repair";
  if (/SHOW data_directory/.test(script)) return "pg-state";
  if (/chpasswd/.test(script)) return "pcsd";
  if (/pcs cluster node (add|remove) /.test(script)) return "membership";
  if (/pcs host auth/.test(script)) return "cluster";
  if (/cluster_uuid/.test(script)) return "uuid";
  if (script === DESTROY_SCRIPT) return "destroy";
  if (/base64 -d > /.test(script)) return "key";
  if (/sha256sum/.test(script)) return "keysum";
  if (/^echo "== cib"; cibadmin --query/.test(script)) return "read-cib";
  if (script === "cibadmin --query") return "cib";
  if (/^crm_verify -L/.test(script)) return "verify";
  if (
    /^pcs resource (disable \S+ --wait=\d+ >\/dev\/null\n)?pcs resource delete |^pcs resource delete /.test(
      script,
    )
  )
    return "delete-group";
  if (/^pcs stonith delete /.test(script)) return "delete-stonith";
  if (/^rm -f /.test(script)) return "rm-key";
  return `other: ${script.split("\n")[0]}`;
}

/** `<node> <kind>` of every call, in order (node01/node02 for the members' addresses). */
export function steps(): string[] {
  return lab.calls.map((c) => `${NODE_OF[c.where] ?? c.where} ${kindOf(c.script)}`);
}

/** The command lines of every `set -e` batch, one array per batch. */
export function batches(): string[][] {
  return lab.calls.filter((c) => c.script.startsWith("set -e\n")).map((c) => c.script.split("\n").slice(1));
}

/** The calls of one kind. */
export function callsOf(kind: string): Call[] {
  return lab.calls.filter((c) => kindOf(c.script) === kind);
}
