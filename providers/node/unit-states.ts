/**
 * The boot and run states of systemd units on a node, as the node-side reads probe them: a shell
 * fragment printing one line per unit, `<unit> <is-enabled> <is-active>` (`none` where systemctl
 * prints nothing, e.g. for a unit that is not installed), and its parser. Shared by the kinds
 * that keep a unit enabled or disabled at boot (NodeFiles, the iSCSI target and initiator, the
 * GlusterFS pool).
 */
import { shellJoin } from "../exec/ssh";

/** What systemctl says of one unit. */
export interface UnitState {
  /** `systemctl is-enabled` (`enabled`, `disabled`, `masked`, `static`, …; `none` when it printed nothing). */
  enabled: string;
  /** `systemctl is-active` (`active`, `inactive`, `failed`, …; `none` when it printed nothing). */
  active: string;
}

/** The probe fragment: one `<unit> <is-enabled> <is-active>` line per unit. Never fails. */
export function unitStatesProbe(units: readonly string[]): string {
  return `for u in ${shellJoin(units)}; do
  e=$(systemctl is-enabled "$u" 2>/dev/null | head -n 1) || true
  a=$(systemctl is-active "$u" 2>/dev/null | head -n 1) || true
  printf '%s %s %s\\n' "$u" "\${e:-none}" "\${a:-none}"
done`;
}

/** Parses the lines of {@link unitStatesProbe}; units it did not print are missing. */
export function parseUnitStates(lines: readonly string[]): Record<string, UnitState> {
  const states: Record<string, UnitState> = {};
  for (const line of lines) {
    const [unit, enabled, active] = line.trim().split(/\s+/);
    if (unit && enabled && active) states[unit] = { enabled, active };
  }
  return states;
}

/** True when the unit starts at boot (`enabled`, `enabled-runtime`, or an alias of an enabled unit). */
export function enabledAtBoot(state: UnitState | undefined): boolean {
  return state !== undefined && /^(enabled|enabled-runtime|alias)$/.test(state.enabled);
}

/** True when the unit runs now. */
export function activeNow(state: UnitState | undefined): boolean {
  return state?.active === "active";
}
