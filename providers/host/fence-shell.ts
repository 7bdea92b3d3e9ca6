/**
 * The restricted shell behind the fence key (seeds 000/001: fence_virsh logs in to the KVM host
 * over the management network). fence_virsh opens `ssh -t host '/bin/bash -c "PS1=[EXPECT]# …"'`,
 * waits for the prompt `[EXPECT]# ` and types `virsh list --all`, `virsh domstate D`,
 * `virsh start D`, `virsh destroy D`, then `quit`. The key is authorised with
 * `restrict,pty,command="<this script>"`, so whatever the client asks for, it gets this loop: the
 * same prompt, and only those four commands, only on the lab's own domains, run against the lab's
 * libvirt URI. Anything else is refused and logged to stderr.
 */
import { shellJoin, shellQuote } from "../exec/ssh";

/** Input of {@link renderFenceShell}. */
export interface FenceShellInput {
  /** libvirt URI the commands run against. */
  libvirtUri: string;
  /** The lab's domain names (the only ones that may be queried or power-cycled). */
  domains: readonly string[];
}

const DOMAIN = /^[A-Za-z0-9_.-]+$/;

/** Renders the fence shell (bash). Pure. */
export function renderFenceShell(input: FenceShellInput): string {
  for (const d of input.domains) {
    if (!DOMAIN.test(d)) throw new Error(`fence shell: "${d}" is not a plain domain name`);
  }
  const domains = [...new Set(input.domains)].sort();
  return `#!/bin/bash
# Restricted fence shell of a kvm-ha-lab host (rendered; do not edit).
uri=${shellQuote(input.libvirtUri)}
domains=(${shellJoin(domains)})
allowed() { local d; for d in "\${domains[@]}"; do [ "$d" = "$1" ] && return 0; done; return 1; }
while printf '[EXPECT]# ' && IFS= read -r line; do
  line=\${line%$'\\r'}
  read -r -a w <<<"$line"
  case "\${w[0]:-}" in
    "") continue ;;
    quit | exit | logout) exit 0 ;;
  esac
  if [ "\${#w[@]}" = 3 ] && [ "\${w[0]}" = virsh ] && [ "\${w[1]} \${w[2]}" = "list --all" ]; then
    virsh -c "$uri" list --all
  elif [ "\${#w[@]}" = 3 ] && [ "\${w[0]}" = virsh ] && allowed "\${w[2]}" &&
    case "\${w[1]}" in domstate | start | destroy) true ;; *) false ;; esac; then
    virsh -c "$uri" "\${w[1]}" "\${w[2]}"
  else
    echo "fence shell: refused: $line" >&2
  fi
done
`;
}
