/**
 * kvm-ha-lab's policy pack: the lab's safety rules (policy/rules.ts) checked on every resource of a
 * `pulumi preview|up --policy-pack policy`. A violation is mandatory (the deployment fails) on the
 * stacks prod and staging, advisory (reported only) on every other stack.
 *
 * The engine starts this file with @pulumi/pulumi's policy-pack runner (its language host's
 * RunPlugin), with the stack's name and configuration in the environment: pulumi.getStack() and
 * pulumi.Config read them as a program does.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  PolicyPack,
  type ReportViolation,
  type ResourceValidationPolicy,
  type StackValidationPolicy,
} from "@pulumi/policy";
import {
  enforcementFor,
  heartbeatNetworkNames,
  kindOf,
  plainOf,
  RULES,
  type LabResource,
  type Rule,
  type RuleContext,
} from "./rules";

/** The stack's lab description (`kvm-ha-lab:lab`), or undefined when the stack does not set one. */
function labConfig(): unknown {
  try {
    return new pulumi.Config("kvm-ha-lab").getObject<unknown>("lab");
  } catch {
    return undefined;
  }
}

const ctx: RuleContext = { heartbeatNetworks: heartbeatNetworkNames(labConfig()) };

function labResource(r: {
  type: string;
  name: string;
  props: Record<string, unknown>;
  urn: string;
}): LabResource {
  return { type: r.type, name: r.name, urn: r.urn, props: plainOf(r.props) as Record<string, unknown> };
}

function policyOf(rule: Rule): ResourceValidationPolicy | StackValidationPolicy {
  if (rule.scope === "resource") {
    const policy: ResourceValidationPolicy = {
      name: rule.name,
      description: rule.description,
      validateResource: (args, report: ReportViolation) => {
        if (!rule.kinds.includes(kindOf(args.type) ?? "")) return;
        for (const v of rule.check(labResource(args), ctx)) report(v.message);
      },
    };
    return policy;
  }
  const policy: StackValidationPolicy = {
    name: rule.name,
    description: rule.description,
    validateStack: (args, report: ReportViolation) => {
      const resources = args.resources.filter((r) => kindOf(r.type) !== undefined).map(labResource);
      for (const v of rule.check(resources, ctx)) report(v.message, v.resource.urn);
    },
  };
  return policy;
}

new PolicyPack("kvm-ha-lab", {
  description:
    "kvm-ha-lab's safety rules: STONITH, quorum, the iSCSI ACL, the heartbeat network, the corosync token, GlusterFS data.",
  enforcementLevel: enforcementFor(pulumi.getStack()),
  policies: RULES.map(policyOf),
});
