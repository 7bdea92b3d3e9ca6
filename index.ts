/**
 * kvm-ha-lab: stack config → validated LabSpec → the whole lab → stack outputs.
 * Secrets stay secret: the cluster password and the private keys are never exported in plain.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadLabSpec } from "./spec";
import { HaLab } from "./components";
import { stackOutputs } from "./components/stack-outputs";

const spec = loadLabSpec(new pulumi.Config());
const lab = new HaLab(spec.name, { spec });

/**
 * The stack outputs (operator/outputs.ts documents each): lab name and layers, domain type, node
 * addresses and domain names, cluster name, the service groups and their VIPs, the cluster password
 * as a secret, shared storage. What the lab has not built is absent.
 */
export = stackOutputs(spec, lab);
