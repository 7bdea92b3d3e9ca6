# Checks of the load-balancer lab's end-to-end test (scripts/e2e-lb.sh) on what the lab prints,
# written as pure functions of their input (sourced, never run; tested by
# test/scripts/lb-checks.test.ts without a lab).
#
# Needs: nothing (bash, awk, sed).
# Defines:
#   lb_ipvs_reals VIRTUAL — the destinations of VIRTUAL (ADDRESS:PORT) in `ipvsadm -Ln` on stdin, one
#     a line as `ADDRESS:PORT FORWARD`; fails when VIRTUAL is not in the table;
#   lb_ipvs_shows VIRTUAL SCHEDULER REAL… — stdin holds VIRTUAL with SCHEDULER and exactly the REALs,
#     each in direct routing (Route); says what differs on stderr otherwise;
#   lb_responder — the server an HTML page on stdin names in its <h1> (the real servers' index page,
#     or "Sorry" for the directors' sorry page);
#   lb_alternates NAME… — the responders on stdin (one a line) change with every answer and include
#     every NAME (round robin over fresh connections);
# shellcheck shell=bash

lb_ipvs_reals() {
  awk -v want="$1" '
    $1 ~ /^(TCP|UDP)$/ { current = $2; if (current == want) found = 1; next }
    $1 == "FWM" { current = ""; next }
    $1 == "->" && current == want && $2 != "RemoteAddress:Port" { print $2, $3 }
    END { exit !found }'
}

lb_ipvs_shows() {
  local virtual="$1" scheduler="$2" table reals want got
  shift 2
  table=$(cat)
  reals=$(lb_ipvs_reals "$virtual" <<<"$table") || {
    echo "the table has no virtual service $virtual" >&2
    return 1
  }
  got=$(awk -v want="$virtual" '$1 ~ /^(TCP|UDP)$/ && $2 == want { print $3; exit }' <<<"$table")
  if [ "$got" != "$scheduler" ]; then
    echo "$virtual is scheduled by ${got:-nothing}, not $scheduler" >&2
    return 1
  fi
  want=$(printf '%s Route\n' "$@" | sort)
  got=$(sort <<<"$reals")
  if [ "$got" != "$want" ]; then
    echo "$virtual has the destinations [$(tr '\n' ';' <<<"$got")], not [$(tr '\n' ';' <<<"$want")]" >&2
    return 1
  fi
}

lb_responder() { sed -n 's:.*<h1>\(.*\)</h1>.*:\1:p' | head -n 1; }

lb_alternates() {
  local answers name
  answers=$(cat)
  if [ -z "$answers" ]; then
    echo "no answer at all" >&2
    return 1
  fi
  for name in "$@"; do
    grep -qxF "$name" <<<"$answers" || {
      echo "$name never answered: $(tr '\n' ' ' <<<"$answers")" >&2
      return 1
    }
  done
  awk 'NR > 1 && $0 == last { bad = NR } { last = $0 } END { exit bad > 0 }' <<<"$answers" || {
    echo "one server answered twice in a row: $(tr '\n' ' ' <<<"$answers")" >&2
    return 1
  }
}
