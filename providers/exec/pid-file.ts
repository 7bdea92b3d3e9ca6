/**
 * Daemons the program started, found by their pid files. A pid file outlives its daemon (a crash,
 * a host reboot with the file on disk), and its pid may then belong to any other process: a
 * daemon counts as running, and is signalled, only when the pid's command (`/proc/PID/comm`) is
 * the daemon's own name and the process has not ended (a zombie has).
 */
import { shellQuote } from "./ssh";

/** Shell function `daemon_alive PID PROGRAM`: PID is a live process of PROGRAM. */
export const DAEMON_ALIVE = `daemon_alive() {
  [[ $1 =~ ^[0-9]+$ ]] && [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ] &&
    ! grep -qs '^State:[[:space:]]*Z' "/proc/$1/status"
}`;

/** The command name the kernel shows for a program (`/proc/PID/comm` keeps 15 characters). */
function commOf(program: string): string {
  return shellQuote(program.slice(0, 15));
}

/** Shell condition (with {@link DAEMON_ALIVE} defined): the pid file names a live `program`. */
export function daemonRunning(pidFile: string, program: string): string {
  return `daemon_alive "$(cat ${shellQuote(pidFile)} 2>/dev/null)" ${commOf(program)}`;
}

/**
 * Shell lines that stop the `program` of the pid file `pidFile` (TERM, then KILL after 10 s) and
 * remove the pid file. A pid that is not a live `program` (a stale file) is left alone: only the
 * file goes. A daemon that survives KILL fails the script (exit 1), its pid file kept.
 */
export function stopDaemonScript(pidFile: string, program: string): string {
  const f = shellQuote(pidFile);
  const comm = commOf(program);
  return `${DAEMON_ALIVE}
if [ -s ${f} ]; then
  pid=$(cat ${f})
  if daemon_alive "$pid" ${comm}; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do daemon_alive "$pid" ${comm} || break; sleep 0.2; done
    if daemon_alive "$pid" ${comm}; then kill -9 "$pid" 2>/dev/null || true; sleep 1; fi
    if daemon_alive "$pid" ${comm}; then
      echo "${program} (pid $pid, ${pidFile}) did not stop. Fix: stop it by hand (kill -9 $pid), then run pulumi again" >&2
      exit 1
    fi
  fi
  rm -f ${f}
fi`;
}
