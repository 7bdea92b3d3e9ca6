import type * as pulumi from "@pulumi/pulumi";
import type { LabSpec } from "../../spec/types";

/** What every layer of a lab is built with: the lab's name, its spec, and its children's options. */
export interface LayerContext {
  /** The HaLab's resource name: the prefix of every child's name. */
  name: string;
  /** The validated lab description. */
  spec: LabSpec;
  /** Options of a child of the lab, waiting for the lab's own dependencies and for `after`. */
  child: (after?: pulumi.Resource[]) => pulumi.CustomResourceOptions & pulumi.ComponentResourceOptions;
  /** The lab component itself (parent of resources made outside `child`). */
  parent: pulumi.ComponentResource;
}
