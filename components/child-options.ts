import * as pulumi from "@pulumi/pulumi";

type DependsOn = pulumi.ResourceOptions["dependsOn"];

function dependencyList(dependsOn: DependsOn): pulumi.Input<pulumi.Resource>[] {
  if (dependsOn === undefined) return [];
  if (Array.isArray(dependsOn)) return dependsOn;
  if (pulumi.Resource.isInstance(dependsOn)) return [dependsOn];
  throw new Error("components take dependsOn as a resource or a list, not as a promise or output of a list");
}

/**
 * Options for a component's child: parented to the component, and waiting for everything the
 * component was told to wait for (plus `after`). Pulumi does not hand a component's `dependsOn`
 * down to its children, so without this the order HaLab states would hold only for the components'
 * own registrations, not for the real resources inside them.
 */
export function childOptions(
  parent: pulumi.ComponentResource,
  opts: pulumi.ComponentResourceOptions | undefined,
  after: pulumi.Resource[] = [],
): pulumi.CustomResourceOptions & pulumi.ComponentResourceOptions {
  return { parent, dependsOn: [...dependencyList(opts?.dependsOn), ...after] };
}
