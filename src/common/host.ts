import { readBoundedText } from './boundedRead.js';
import { readdirSync } from 'node:fs';
import { builtin } from './builtin.js';

// node:os is not in Node's start-up snapshot: loading it costs a check 0.4 ms, and only the wrapper
// and a few error messages ask it anything.
const os = () => builtin('node:os');

/** The boot id distinguishes "this pid is dead" from "this pid belongs to an earlier boot". */
export function readBootId(file: string): string | null {
  try {
    return readBoundedText(file, { maxBytes: 256 })?.trim() || null;
  } catch {
    return null;
  }
}

export function currentHost(): string {
  return os().hostname();
}

/**
 * The user this process runs as, from its uid (not $USER, which survives su, runuser and setpriv
 * and would name the wrong one); `uid N` where the uid has no name.
 */
export function currentUser(): string {
  try {
    return os().userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}

interface ProcStat {
  /** R, S, D, Z (zombie: exited, not yet reaped) … */
  state: string;
  pgrp: number;
  /** Start time in clock ticks since boot (field 22). */
  startTicks: number | null;
}

/** Fields of /proc/PID/stat; null where /proc cannot tell (no such process, or hidepid hides it). */
function procStat(pid: number): ProcStat | null {
  try {
    const stat = readBoundedText(`/proc/${pid}/stat`, { maxBytes: 4096 });
    if (stat === null) return null;
    // The command name (field 2) may hold spaces and parentheses; fields resume after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(rest[19]);
    return { state: rest[0] ?? '?', pgrp: Number(rest[2]), startTicks: Number.isFinite(ticks) ? ticks : null };
  } catch {
    return null;
  }
}

/**
 * The process's start time in clock ticks since boot (field 22 of /proc/PID/stat). Together with the
 * pid it names one process: a recycled pid has another start time. Null where /proc cannot tell.
 */
export function processStartTicks(pid: number): number | null {
  return procStat(pid)?.startTicks ?? null;
}

export type Liveness = 'alive' | 'dead' | 'other-boot';

/** A run's liveness: `orphaned` when its wrapper is gone but the sync it started still runs. */
export type RunLiveness = Liveness | 'orphaned';

/** A run still going: its wrapper alive, or its sync alive after the wrapper was killed. */
export const stillRunning = (l: RunLiveness): boolean => l === 'alive' || l === 'orphaned';

/** What names a run's two processes: the wrapper, and the sync's process group (its leader's pid). */
export interface RunProcesses {
  pid: number;
  startTicks: number | null | undefined;
  bootId: string | null | undefined;
  childPid?: number | null | undefined;
  childStartTicks?: number | null | undefined;
}

/**
 * Whether the process a marker or lock names still runs. A different boot id means it died with an
 * earlier boot even if the same pid number is alive now.
 */
export function processLiveness(pid: number, startTicks: number | null | undefined, bootId: string | null | undefined, currentBootId: string | null): Liveness {
  if (bootId && currentBootId && bootId !== currentBootId) return 'other-boot';
  if (!Number.isInteger(pid) || pid <= 0) return 'dead';
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to another user, which still counts as alive.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return 'dead';
  }
  const st = procStat(pid);
  // A zombie has exited: only its parent has not reaped it yet.
  if (st?.state === 'Z') return 'dead';
  if (startTicks != null && st?.startTicks != null && st.startTicks !== startTicks) return 'dead';
  return 'alive';
}

/**
 * Whether the sync's process group still has a live member. The kernel hands out no pid that is
 * still a process group's id, so while any member lives the number names this group; once the group
 * is gone, a new leader under that pid has another start time.
 */
export function groupAlive(pgid: number, leaderStartTicks: number | null | undefined): boolean {
  // kill(-1) would ask about every process; no sync leads group 1 (init's).
  if (!Number.isInteger(pgid) || pgid <= 1) return false;
  try {
    process.kill(-pgid, 0);
  } catch (err) {
    // EPERM: the group exists but is another user's (the checks run as nagios).
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const leader = procStat(pgid);
  if (leader && leader.state !== 'Z') return leaderStartTicks == null || leader.startTicks == null || leader.startTicks === leaderStartTicks;
  // The leader exited: are the members left more than zombies? Where /proc hides them (hidepid) the
  // signal's answer stands.
  return membersAlive(pgid) ?? true;
}

/** Whether any process of the group is not a zombie; null when /proc shows none of it. */
function membersAlive(pgid: number): boolean | null {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return null;
  }
  let seen = false;
  for (const name of names) {
    if (name.charCodeAt(0) > 57) continue; // not a pid
    const st = procStat(Number(name));
    if (!st || st.pgrp !== pgid) continue;
    seen = true;
    if (st.state !== 'Z') return true;
  }
  return seen ? false : null;
}

/**
 * A run is over only when its wrapper and the sync it started are both gone: a wrapper killed with
 * SIGKILL (the OOM killer, kill -9) leaves the sync running in its own process group, and a second
 * copy started beside it would write the same database.
 */
export function runLiveness(p: RunProcesses, currentBootId: string | null): RunLiveness {
  const wrapper = processLiveness(p.pid, p.startTicks, p.bootId, currentBootId);
  if (wrapper !== 'dead' || !p.childPid) return wrapper;
  return groupAlive(p.childPid, p.childStartTicks) ? 'orphaned' : 'dead';
}
