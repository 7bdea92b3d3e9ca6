import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../child-options";
import type { HostSpec } from "../../spec/types";
import { SshKeyPair } from "../../providers/secrets/keypair";
import { HostPrep } from "../../providers/host/host-prep";
import { HostSshd } from "../../providers/host/host-sshd";
import { hostEndpoint } from "../../providers/core/endpoints";

/** Arguments of {@link KvmHost}. */
export interface KvmHostArgs {
  /** Lab name: names the keys (`<lab>-fence`, `<lab>-program`) so several labs can share a host. */
  labName: string;
  /** The KVM host: libvirt URI, requested domain type, management address, sshd, daemon mode. */
  host: HostSpec;
}

/**
 * The KVM host, prepared for the lab (seeds 000/001): libvirtd answering (started by the program
 * when `daemon` is `managed`), the domain type decided from the CPU, sshd listening on the
 * management address, and the fence key pair whose public key is authorised there restricted to
 * virsh (fence_virsh reaches the host through the management network, never the heartbeat).
 * It also owns the program key: the SSH key pair the program uses to reach the nodes as root.
 */
export class KvmHost extends pulumi.ComponentResource {
  /** Domain type decided for this host: `kvm` with vmx/svm, else `qemu` (TCG). */
  public readonly domainType: pulumi.Output<"kvm" | "qemu">;
  /** Public half of the fence key (authorised on the host, restricted to virsh). */
  public readonly fencePublicKey: pulumi.Output<string>;
  /** Private half of the fence key, installed on the nodes for fence_virsh (secret). */
  public readonly fencePrivateKey: pulumi.Output<string>;
  /** Public half of the program key (authorised for root on every node). */
  public readonly programPublicKey: pulumi.Output<string>;
  /** Private half of the program key, used by the providers to reach the nodes (secret). */
  public readonly programPrivateKey: pulumi.Output<string>;

  private readonly host: HostSpec;
  private readonly prep: HostPrep;

  constructor(name: string, args: KvmHostArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kvmlab:host:KvmHost", name, {}, opts);
    const { host } = args;

    const fenceKey = new SshKeyPair(
      `${name}-fence-key`,
      { comment: `${args.labName}-fence` },
      childOptions(this, opts),
    );
    const programKey = new SshKeyPair(
      `${name}-program-key`,
      { comment: `${args.labName}-program` },
      childOptions(this, opts),
    );
    const prep = new HostPrep(
      `${name}-prep`,
      {
        host: hostEndpoint(host),
        daemon: host.daemon,
        requestedDomainType: host.domainType,
      },
      childOptions(this, opts),
    );

    this.host = host;
    this.prep = prep;
    this.domainType = prep.domainType;
    this.fencePublicKey = fenceKey.publicKey;
    this.fencePrivateKey = pulumi.secret(fenceKey.privateKey);
    this.programPublicKey = programKey.publicKey;
    this.programPrivateKey = pulumi.secret(programKey.privateKey);
    this.registerOutputs({
      domainType: this.domainType,
      fencePublicKey: this.fencePublicKey,
      fencePrivateKey: this.fencePrivateKey,
      programPublicKey: this.programPublicKey,
      programPrivateKey: this.programPrivateKey,
    });
  }

  /**
   * The host's sshd on its management address with the fence key authorised, restricted to the
   * lab's domains. Made once the management network exists (the address lives on its bridge),
   * under `opts.parent` (the lab).
   */
  public openFenceAccess(
    name: string,
    managementNetwork: pulumi.Resource,
    domains: pulumi.Input<string>[],
    opts: { parent: pulumi.Resource },
  ): HostSshd {
    return new HostSshd(
      name,
      {
        host: hostEndpoint(this.host),
        daemon: this.host.daemon,
        address: this.host.address,
        port: this.host.sshPort,
        user: this.host.sshUser,
        fenceAuthorizedKey: this.fencePublicKey,
        fenceDomains: domains,
      },
      // Not a child of the host: the networks wait for the host (and so for all its children),
      // while this waits for the management network.
      { parent: opts.parent, dependsOn: [this.prep, managementNetwork] },
    );
  }
}
