import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../child-options";
import type { LoadBalancerSpec } from "../../spec/types";
import type { LdirectordConfig } from "../../providers/lb/ldirectord-cf";
import { LvsDirector } from "../../providers/lb/lvs-director";
import { LvsPacemaker } from "../../providers/lb/lvs-pacemaker";
import { RealServer } from "../../providers/lb/real-server";
import type { LabNodeRef } from "../node/node-vm";

/** A real server as the load balancer sees it. */
export interface LoadBalancerRealServer {
  /** The node. */
  node: LabNodeRef;
  /** Its address on the VIP's network. */
  address: string;
  /** MAC of its NIC on the VIP's network. */
  serviceMac: string;
}

/** Arguments of {@link LoadBalancer}. */
export interface LoadBalancerArgs {
  /** The load balancer: VIP, ldirectord's settings, the web service. */
  loadBalancer: LoadBalancerSpec;
  /** The director pair (the cluster members), in spec order. */
  directors: LabNodeRef[];
  /** The real servers, in spec order. */
  realServers: LoadBalancerRealServer[];
  /** The prefix length of the VIP's network (the VIP's `cidr_netmask` on the directors). */
  vipPrefixLength: number;
  /** The program's private key (secret). */
  sshPrivateKey: pulumi.Input<string>;
}

/** ldirectord.cf of a load balancer and its real servers. */
export function ldirectordConfig(
  lb: LoadBalancerSpec,
  realServers: readonly LoadBalancerRealServer[],
): LdirectordConfig {
  return {
    vip: lb.vip,
    port: lb.port,
    protocol: lb.protocol,
    scheduler: lb.scheduler,
    forwarding: lb.forwarding,
    realServers: realServers.map((r) => ({ name: r.node.name, address: r.address })),
    fallback: lb.fallback,
    checkType: lb.checkType,
    checkPort: lb.checkPort,
    request: lb.request,
    receive: lb.receive,
    checkTimeout: lb.checkTimeout,
    checkInterval: lb.checkInterval,
    autoreload: lb.autoreload,
    quiescent: lb.quiescent,
  };
}

/**
 * Seed 002's LVS load balancer on the lab's nodes: every real server converged (the VIP on lo,
 * ARP for it suppressed, lighttpd with the check page), every director converged (forwarding,
 * ldirectord.cf, ldirectord left to pacemaker, the VIPcheck agent, the sorry page), then
 * pacemaker's side on the directors (LvsPacemaker: VIPcheck, the VIP and ldirectord in a group,
 * the ping clone, the location rule, colocation and order). The directors wait for the real
 * servers, so that ldirectord's first checks find the pages; the pacemaker resources wait for
 * every director, so that the agent and ldirectord.cf are there before pacemaker starts anything.
 */
export class LoadBalancer extends pulumi.ComponentResource {
  /** The virtual IP. */
  public readonly vip: pulumi.Output<string>;
  /** Real server name → the service NIC's name on it. */
  public readonly realServerNics: pulumi.Output<Record<string, string>>;
  /** The pacemaker group that holds the VIP and ldirectord. */
  public readonly groupId: pulumi.Output<string>;

  constructor(name: string, args: LoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kvmlab:lb:LoadBalancer", name, {}, opts);
    const { loadBalancer: lb, sshPrivateKey } = args;
    const reals = args.realServers.map(
      (r) =>
        new RealServer(
          `${name}-real-${r.node.name}`,
          {
            node: r.node.access,
            sshPrivateKey,
            name: r.node.name,
            address: r.address,
            serviceMac: r.serviceMac,
            vip: lb.vip,
            request: lb.request,
            receive: lb.receive,
            ports: [...new Set([lb.port, lb.checkPort])],
          },
          childOptions(this, opts),
        ),
    );
    const ldirectord = ldirectordConfig(lb, args.realServers);
    const directors = args.directors.map(
      (director) =>
        new LvsDirector(
          `${name}-director-${director.name}`,
          { node: director.access, sshPrivateKey, name: director.name, ldirectord },
          childOptions(this, opts, reals),
        ),
    );
    const resources = new LvsPacemaker(
      `${name}-pacemaker`,
      {
        nodes: args.directors.map((d) => d.access),
        sshPrivateKey,
        vip: lb.vip,
        cidrNetmask: args.vipPrefixLength,
        pingTargets: lb.pingTargets,
      },
      childOptions(this, opts, directors),
    );

    this.vip = pulumi.output(lb.vip);
    this.realServerNics = pulumi
      .all(reals.map((r, i) => r.nic.apply((nic): [string, string] => [args.realServers[i].node.name, nic])))
      .apply((pairs) => Object.fromEntries(pairs));
    this.groupId = resources.groupId;
    this.registerOutputs({ vip: this.vip, realServerNics: this.realServerNics, groupId: this.groupId });
  }
}
