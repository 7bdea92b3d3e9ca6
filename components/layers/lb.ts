import type * as pulumi from "@pulumi/pulumi";
import { parseCidr } from "../../spec/ipv4";
import { clusterMembers, interfaceOn, realServers } from "../../spec/queries";
import { LoadBalancer } from "../lb/load-balancer";
import type { LayerContext } from "./context";
import type { Substrate } from "./substrate";

/**
 * The load-balancer layer of a lab with a `loadBalancer` section (seed 002): the directors are the
 * cluster members, the real servers the nodes with `role: real-server`; built after `after` (the
 * cluster and its fence devices: pacemaker's resources on the directors need the running cluster).
 * Undefined for a lab without one.
 */
export function buildLoadBalancer(
  { name, spec, child }: LayerContext,
  substrate: Substrate,
  after: pulumi.Resource[],
): LoadBalancer | undefined {
  const lb = spec.loadBalancer;
  if (lb === undefined) return undefined;
  const { refs, host, nodes } = substrate;
  const refOf = (nodeName: string) => {
    const ref = refs.find((r) => r.name === nodeName);
    if (ref === undefined) throw new Error(`lab ${spec.name}: node ${nodeName} has no VM`);
    return ref;
  };
  const network = spec.networks.find((n) => n.name === lb.network);
  const prefix = network === undefined ? undefined : parseCidr(network.cidr)?.prefix;
  if (prefix === undefined) throw new Error(`lab ${spec.name}: the VIP's network ${lb.network} has no CIDR`);
  return new LoadBalancer(
    `${name}-lb`,
    {
      loadBalancer: lb,
      directors: clusterMembers(spec.nodes).map((n) => refOf(n.name)),
      realServers: realServers(spec.nodes).map((n) => {
        const nic = interfaceOn(n, lb.network);
        return { node: refOf(n.name), address: nic.address, serviceMac: nic.mac };
      }),
      vipPrefixLength: prefix,
      sshPrivateKey: host.programPrivateKey,
    },
    child([...nodes, ...after]),
  );
}
