/** The resources a lab built under the mocks registered, as the policy rules see them. */
import { plain, recorded } from "../support/pulumi-mocks";
import type { LabResource } from "../../policy/rules";

/** Every registered resource (type, name, inputs with secrets unwrapped). */
export function labResources(): LabResource[] {
  return [...recorded.values()].map((r) => ({
    type: r.type,
    name: r.name,
    urn: `urn:pulumi:dev::kvm-ha-lab::${r.type}::${r.name}`,
    props: Object.fromEntries(Object.entries(r.inputs).map(([k, v]) => [k, plain(v)])),
  }));
}
