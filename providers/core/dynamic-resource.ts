/**
 * The one module of the providers that loads the Pulumi SDK at run time: the base class of the
 * lab's dynamic resources. Providers (check, diff, create, read, update, delete) and their tests
 * never load it; a kind's class is made from it when a program first creates one (kind.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import { RESOURCE_NAME_KEY, type LabProvider } from "./base";

/**
 * Base class of the lab's dynamic resources: type token `pulumi-nodejs:dynamic/kvmlab:<kind>`,
 * the resource name passed to the provider (for error messages), and the provider's secret outputs
 * registered as `additionalSecretOutputs`.
 */
export abstract class LabDynamicResource extends pulumi.dynamic.Resource {
  protected constructor(
    provider: LabProvider,
    name: string,
    props: pulumi.Inputs,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(
      provider,
      name,
      { ...props, [RESOURCE_NAME_KEY]: name },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: [...provider.secretOutputs] }),
      "kvmlab",
      provider.kind,
    );
  }
}
