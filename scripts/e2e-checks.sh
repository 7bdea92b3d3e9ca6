# Checks of the end-to-end test that wrap a command, written so that a failing command fails the
# check instead of reading as "nothing there" (sourced, never run). Sourced by scripts/e2e.sh after
# lib.sh, and by test/scripts/e2e-checks.test.ts, which runs each with fake commands on PATH.
#
# Needs: die (lib.sh); `on ADDRESS COMMAND` (e2e.sh) for unit_boot_state.
# Defines:
#   E2E_LAYERS (array: the layers the e2e knows, in order), e2e_layers UPTO;
#   libvirt_leftovers URI, tcp_listening ADDRESS:PORT|:PORT, unit_boot_state ADDRESS UNIT,
#   fence_session_lines OUTPUT, fence_listing_shows OUTPUT DOMAIN…, fence_refused OUTPUT COMMAND,
#   fence_client_command_ran OUTPUT MARKER; tgt_serves SHOW IQN ADDRESS….
# shellcheck shell=bash

# The layers scripts/e2e.sh checks, in the order it builds them (e2e-storage.sh, e2e-cluster.sh).
E2E_LAYERS=(substrate storage cluster)

# e2e_layers UPTO — prints the layers a run up to UPTO checks (space-separated, in order); fails
# naming the known layers when UPTO is not one of them (a typo must not shorten a run silently).
e2e_layers() {
  local upto="$1" layer run=()
  for layer in "${E2E_LAYERS[@]}"; do
    run+=("$layer")
    if [ "$layer" = "$upto" ]; then
      echo "${run[*]}"
      return 0
    fi
  done
  echo "KVMLAB_E2E_UPTO='$upto' is not a layer of the e2e: use one of ${E2E_LAYERS[*]}" >&2
  return 1
}

# libvirt_leftovers URI — the domains and networks libvirt at URI still has, one a line (nothing:
# none); fails when virsh fails, so an error never reads as "nothing left".
libvirt_leftovers() {
  local domains networks
  domains=$(virsh -c "$1" list --all --name) || return 1
  networks=$(virsh -c "$1" net-list --all --name) || return 1
  printf '%s\n%s\n' "$domains" "$networks" | sed '/^[[:space:]]*$/d'
}

# tcp_listening ADDRESS:PORT|:PORT — succeeds when a TCP socket listens on exactly that local
# address (`:PORT`: on that port, any address), fails when none does; dies when ss fails. ss's
# output is read whole before it is searched: `ss | grep -q` under pipefail reads "not listening"
# both when ss fails and when grep stops early and ss dies of SIGPIPE.
tcp_listening() {
  local out
  out=$(ss -Hltn) || die "ss -Hltn failed: cannot tell whether anything listens on $1"
  awk -v want="$1" '
    { local_address = $4 }
    local_address == want { found = 1 }
    substr(want, 1, 1) == ":" && substr(local_address, length(local_address) - length(want) + 1) == want { found = 1 }
    END { exit !found }' <<<"$out"
}

# unit_boot_state ADDRESS UNIT — `systemctl is-enabled UNIT` on a node: enabled, disabled, static…
# (or systemctl's error); fails when the node cannot be asked (ssh fails).
unit_boot_state() {
  on "$1" "systemctl is-enabled $2 2>&1 || true"
}

# fence_session_lines OUTPUT — the lines of a fence shell session through a pty, without carriage
# returns and the shell's prompts (`[EXPECT]# `, printed before each command's output).
fence_session_lines() { printf '%s\n' "$1" | tr -d '\r' | sed 's/\[EXPECT\]# //g'; }

# fence_listing_shows OUTPUT DOMAIN… — OUTPUT (a fence shell session) holds the table of
# `virsh list --all` with a row for every DOMAIN. A refusal line naming a domain is not a listing.
fence_listing_shows() {
  local out domain
  out=$(fence_session_lines "$1")
  shift
  awk '$1 == "Id" && $2 == "Name" && $3 == "State" { found = 1 } END { exit !found }' <<<"$out" || return 1
  for domain in "$@"; do
    awk -v d="$domain" '($1 ~ /^[0-9]+$/ || $1 == "-") && $2 == d && NF >= 3 { found = 1 } END { exit !found }' \
      <<<"$out" || return 1
  done
}

# fence_refused OUTPUT COMMAND — OUTPUT (a fence shell session) holds the shell's refusal of
# exactly COMMAND.
fence_refused() {
  local lines
  lines=$(fence_session_lines "$1")
  grep -qxF "fence shell: refused: $2" <<<"$lines"
}

# fence_client_command_ran OUTPUT MARKER — the command the client asked for with the fence key
# (`touch MARKER; echo KVMLAB-CLIENT-$((6 * 7))`) ran: MARKER exists, or OUTPUT holds the text
# only a shell running it prints (the command line itself holds $((6 * 7)), not 42).
fence_client_command_ran() { [ -e "$2" ] || grep -q "KVMLAB-CLIENT-42" <<<"$1"; }

# tgt_serves SHOW IQN ADDRESS… — SHOW (`tgtadm --mode target --op show` of the host's tgtd) serves
# IQN with an ACL that is not open to ALL and lists every ADDRESS; otherwise prints what is wrong
# and fails. SHOW is searched whole: `echo | grep -q` under pipefail misses a match when echo dies
# of SIGPIPE, which made `… | grep -qx ALL && fail` pass an ACL open to ALL.
tgt_serves() {
  local show="$1" iqn="$2" address
  shift 2
  awk -v iqn="$iqn" '$1 == "Target" && $3 == iqn { found = 1 } END { exit !found }' <<<"$show" ||
    { echo "tgtd does not serve $iqn"; return 1; }
  if grep -qx '        ALL' <<<"$show"; then
    echo "the target's ACL is open to ALL"
    return 1
  fi
  for address in "$@"; do
    grep -qxF "        $address" <<<"$show" || { echo "the ACL lacks $address"; return 1; }
  done
}
