// The four Monitoring Plugins states, their names and how bad each is: every part that judges,
// sorts, counts or posts a state uses this module.

/** 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN: the plugin's exit status. */
export type State = 0 | 1 | 2 | 3;
export const OK: State = 0;
export const WARNING: State = 1;
export const CRITICAL: State = 2;
export const UNKNOWN: State = 3;
export const STATE_NAMES = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'] as const;
export type StateName = (typeof STATE_NAMES)[number];

/** How bad a state is: a real CRITICAL outranks an UNKNOWN (something is known to be broken), UNKNOWN outranks WARNING. */
export function severity(s: State): number {
  return SEVERITY[s];
}
const SEVERITY = [0, 1, 3, 2] as const;

export function worst(states: Iterable<State>): State {
  let w: State = OK;
  for (const s of states) if (severity(s) > severity(w)) w = s;
  return w;
}

/** States worst first: CRITICAL, UNKNOWN, WARNING, OK. */
export const BY_SEVERITY: readonly State[] = [CRITICAL, UNKNOWN, WARNING, OK];

/** `ok|warning|critical|unknown` (any case) as a state, or undefined. */
export function stateFromName(name: string): State | undefined {
  const i = STATE_NAMES.indexOf(name.toUpperCase() as StateName);
  return i === -1 ? undefined : (i as State);
}
