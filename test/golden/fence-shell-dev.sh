#!/bin/bash
# Restricted fence shell of a kvm-ha-lab host (rendered; do not edit).
uri=qemu:///system
domains=(dev-node01 dev-node02)
allowed() { local d; for d in "${domains[@]}"; do [ "$d" = "$1" ] && return 0; done; return 1; }
while printf '[EXPECT]# ' && IFS= read -r line; do
  line=${line%$'\r'}
  read -r -a w <<<"$line"
  case "${w[0]:-}" in
    "") continue ;;
    quit | exit | logout) exit 0 ;;
  esac
  if [ "${#w[@]}" = 3 ] && [ "${w[0]}" = virsh ] && [ "${w[1]} ${w[2]}" = "list --all" ]; then
    virsh -c "$uri" list --all
  elif [ "${#w[@]}" = 3 ] && [ "${w[0]}" = virsh ] && allowed "${w[2]}" &&
    case "${w[1]}" in domstate | start | destroy) true ;; *) false ;; esac; then
    virsh -c "$uri" "${w[1]}" "${w[2]}"
  else
    echo "fence shell: refused: $line" >&2
  fi
done
