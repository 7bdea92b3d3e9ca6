import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../child-options";
import type { NetworkSpec } from "../../spec/types";
import { LibvirtNetwork } from "../../providers/libvirt/libvirt-network";
import { hostEndpoint, type HostEndpoint } from "../../providers/core/endpoints";

/** Arguments of {@link LabNetwork}. */
export interface LabNetworkArgs {
  /** The network: libvirt name, role, CIDR, bridge, mode (isolated or NAT) and host-side gateway. */
  network: NetworkSpec;
  /** The KVM host the network is defined on (libvirt URI and state directory). */
  host: HostEndpoint;
}

/** One libvirt network of the lab (service, management or heartbeat — seed 000). */
export class LabNetwork extends pulumi.ComponentResource {
  /** libvirt network name (`<lab>-<name>`). */
  public readonly name: pulumi.Output<string>;
  /** IPv4 network in CIDR notation. */
  public readonly cidr: pulumi.Output<string>;
  /** Linux bridge name. */
  public readonly bridge: pulumi.Output<string>;
  /** `isolated` or `nat`. */
  public readonly mode: pulumi.Output<"isolated" | "nat">;

  constructor(name: string, args: LabNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kvmlab:network:LabNetwork", name, {}, opts);
    const { network } = args;

    const net = new LibvirtNetwork(
      `${name}-libvirt`,
      {
        host: hostEndpoint(args.host),
        name: network.libvirtName,
        bridge: network.bridge,
        cidr: network.cidr,
        gateway: network.gateway,
        mode: network.mode,
      },
      childOptions(this, opts),
    );

    this.name = net.name;
    this.cidr = net.cidr;
    this.bridge = net.bridge;
    this.mode = net.mode;
    this.registerOutputs({ name: this.name, cidr: this.cidr, bridge: this.bridge, mode: this.mode });
  }
}
