# Checks of the OCFS2 lab's end-to-end test (scripts/e2e-ocfs2.sh) on what the lab prints,
# written as pure functions of their input (sourced, never run; tested by
# test/scripts/ocfs2-checks.test.ts without a lab).
#
# Needs: nothing (bash, awk, sed, tr).
# Defines:
#   ocfs2_mount_uuid — stdin: `findmnt -n -P -o FSTYPE,OPTIONS,UUID --mountpoint MP`; prints the
#     mounted volume's UUID when it is OCFS2 mounted read-write in cluster mode
#     (`rw`, `heartbeat=local`, and `_netdev` as seed 003's `mount` shows); says what differs on
#     stderr otherwise;
#   ocfs2_mounted_nodes DEVICE — the nodes `mounted.ocfs2 -f` (stdin) lists for DEVICE, one a line
#     (none for "Not mounted"); fails when DEVICE is not listed;
#   ocfs2_same_uuid UUID… — every UUID names the same volume (blkid writes dashes, the tools none);
#   ocfs2_missing_lines ACKED DATA — the lines of the file ACKED (the writes acknowledged) that the
#     file DATA lacks, one a line; fails when there is one;
#   ocfs2_replayed NUMBER — the kernel log on stdin shows node NUMBER's journal replayed
#     (`ocfs2: Begin replay journal (node NUMBER, …` then `ocfs2: End replay journal (node NUMBER, …`).
# shellcheck shell=bash

ocfs2_mount_uuid() {
  local line fstype options uuid opt
  line=$(cat)
  if [ -z "$line" ]; then
    echo "nothing is mounted there" >&2
    return 1
  fi
  fstype=$(sed -n 's/.*FSTYPE="\([^"]*\)".*/\1/p' <<<"$line")
  options=$(sed -n 's/.*OPTIONS="\([^"]*\)".*/\1/p' <<<"$line")
  uuid=$(sed -n 's/.*UUID="\([^"]*\)".*/\1/p' <<<"$line")
  if [ "$fstype" != ocfs2 ]; then
    echo "the mount is ${fstype:-of no type}, not ocfs2" >&2
    return 1
  fi
  for opt in rw _netdev heartbeat=local; do
    case ",$options," in
      *",$opt,"*) ;;
      *)
        echo "the mount's options ($options) lack $opt" >&2
        return 1
        ;;
    esac
  done
  if [ -z "$uuid" ]; then
    echo "the mount has no UUID" >&2
    return 1
  fi
  echo "$uuid"
}

ocfs2_mounted_nodes() {
  awk -v dev="$1" '
    NR == 1 { col = index($0, "Nodes"); next }
    $1 == dev {
      found = 1
      nodes = substr($0, col)
      sub(/^[ \t]+/, "", nodes); sub(/[ \t]+$/, "", nodes)
      if (nodes == "Not mounted" || nodes == "") exit
      n = split(nodes, list, /, */)
      for (i = 1; i <= n; i++) print list[i]
    }
    END { exit !found }'
}

ocfs2_same_uuid() {
  local first="" u n
  for u in "$@"; do
    n=$(tr -d '-' <<<"$u" | tr '[:lower:]' '[:upper:]')
    [ -n "$n" ] || return 1
    if [ -z "$first" ]; then first=$n; elif [ "$n" != "$first" ]; then return 1; fi
  done
  [ -n "$first" ]
}

ocfs2_missing_lines() {
  # FILENAME, not NR == FNR: an empty DATA file must not make ACKED the file of what is there.
  awk 'FILENAME == ARGV[1] { have[$0] = 1; next } !($0 in have) { print; missing = 1 } END { exit missing }' "$2" "$1"
}

ocfs2_replayed() {
  awk -v n="$1" '
    index($0, "ocfs2: Begin replay journal (node " n ",") { begun = 1 }
    begun && index($0, "ocfs2: End replay journal (node " n ",") { ended = 1 }
    END { exit !ended }'
}
