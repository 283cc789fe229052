import { readBoundedText } from './boundedRead.js';
import { hostname, userInfo } from 'node:os';

/** The boot id distinguishes "this pid is dead" from "this pid belongs to an earlier boot". */
export function readBootId(file: string): string | null {
  try {
    return readBoundedText(file, { maxBytes: 256 })?.trim() || null;
  } catch {
    return null;
  }
}

export function currentHost(): string {
  return hostname();
}

/**
 * The user this process runs as, from its uid (not $USER, which survives su, runuser and setpriv
 * and would name the wrong one); `uid N` where the uid has no name.
 */
export function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}

/**
 * The process's start time in clock ticks since boot (field 22 of /proc/PID/stat). Together with the
 * pid it names one process: a recycled pid has another start time. Null where /proc cannot tell.
 */
export function processStartTicks(pid: number): number | null {
  try {
    const stat = readBoundedText(`/proc/${pid}/stat`, { maxBytes: 4096 });
    if (stat === null) return null;
    // The command name (field 2) may hold spaces and parentheses; fields resume after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(rest[19]);
    return Number.isFinite(ticks) ? ticks : null;
  } catch {
    return null;
  }
}

export type Liveness = 'alive' | 'dead' | 'other-boot';

/**
 * Whether the process a marker or lock names still runs. A different boot id means it died with an
 * earlier boot even if the same pid number is alive now.
 */
export function processLiveness(
  pid: number,
  startTicks: number | null | undefined,
  bootId: string | null | undefined,
  currentBootId: string | null,
): Liveness {
  if (bootId && currentBootId && bootId !== currentBootId) return 'other-boot';
  if (!Number.isInteger(pid) || pid <= 0) return 'dead';
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to another user, which still counts as alive.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return 'dead';
  }
  if (startTicks != null) {
    const now = processStartTicks(pid);
    if (now != null && now !== startTicks) return 'dead';
  }
  return 'alive';
}
