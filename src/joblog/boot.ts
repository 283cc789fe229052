// A journal line carries the boot it was written in (_BOOT_ID). An unwrapped job leaves no marker
// whose boot id could say that the host rebooted under its run; its own lines can.
import type { SyslogOnlyRun } from './scriptRuns.js';
import type { LogLine } from '../log/line.js';

/** A boot id as journald writes it (32 hex digits), from either form (the kernel's has dashes); null for anything else. */
export function bootIdOf(id: string | null | undefined): string | null {
  const s = id?.replace(/-/g, '').toLowerCase() ?? '';
  return /^[0-9a-f]{32}$/.test(s) ? s : null;
}

/** The boot a line was written in: journal lines only (syslog files do not record it). */
function lineBoot(e: LogLine): string | null {
  return 'bootId' in e ? bootIdOf((e as { bootId: string | null }).bootId) : null;
}

/**
 * The boot a run without an end was started in, when that is not the boot now running: the host
 * rebooted during the run, which then can never end. Null when the run ended, when its lines carry no
 * boot (syslog files), or when this boot's id is not known.
 */
export function otherBootOf(run: SyslogOnlyRun | null, currentBootId: string | null): string | null {
  const now = bootIdOf(currentBootId);
  if (!run || run.outcome !== 'running' || now === null) return null;
  const started = run.lines.map(lineBoot).find((b) => b !== null) ?? null;
  return started !== null && started !== now ? started : null;
}
