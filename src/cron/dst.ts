// When Debian's cron(8) starts a job, across the host's changes of UTC offset (summer time). cron-parser
// maps each wall-clock time to an instant on its own terms: a 01:30 that happens twice is due at the
// second, one that never happens is not due at all. cron(8) does otherwise (its NOTES, and the main
// loop of its cron.c; docs/schedule.md): it keeps a "virtual" wall clock that never goes backwards, so
//  - a fixed-time job (minute and hour fields not beginning with '*') runs once in a repeated hour, at
//    the first time its wall-clock time comes, and one whose time was skipped runs right after the jump;
//  - a wildcard job ('*' first in its minute or hour field, @hourly) runs by the wall clock as it
//    reads: at both passes of a repeated hour, never in a skipped one;
//  - a jump forward of 3 hours or more is a correction of the clock: skipped times are not made up.
// A change back of 3 hours or more (no zone has one today) is not modelled.
// Pure: the schedule's wall-clock times and the zone's offsets come in as functions.

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** cron(8) makes up skipped times and holds back repeated ones only for changes smaller than this. */
const CRON_DST_LIMIT = 3 * 60 * MINUTE;
/** Wall-clock times looked at before giving up: only a schedule whose every time is skipped comes near. */
const MAX_STEPS = 1000;

/** A schedule's wall-clock minutes, written as if local time were UTC (as cron(8)'s virtual clock counts). */
export interface Walls {
  /** cron(8)'s wildcard job: its minute or hour field begins with '*'. */
  wildcard: boolean;
  /** The latest of the schedule's wall-clock minutes at or before `wall`. */
  atOrBefore(wall: number): number;
  /** The earliest of the schedule's wall-clock minutes at or after `wall`. */
  atOrAfter(wall: number): number;
}

/** Milliseconds east of UTC at an instant. */
export type Offset = (at: number) => number;

/** The host's offset: the zone TZ names, as the cron daemon and the check both see it. */
export const hostOffset: Offset = (at) => -new Date(at).getTimezoneOffset() * MINUTE;

interface Change {
  /** The first instant on the new offset. */
  at: number;
  before: number;
  after: number;
}

/** Where a wall-clock time falls: its instants (two in a repeated stretch), or the change that skipped it. */
type Placed = { instants: number[] } | { skippedBy: Change };

function zone(offset: Offset) {
  const wallOf = (at: number) => at + offset(at);
  // The first whole minute in (a, b] on b's offset; a and b are on different offsets.
  const changeIn = (a: number, b: number): Change => {
    const before = offset(a);
    const after = offset(b);
    let lo = Math.floor(a / MINUTE);
    let hi = Math.ceil(b / MINUTE);
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (offset(mid * MINUTE) === after) hi = mid;
      else lo = mid;
    }
    return { at: hi * MINUTE, before, after };
  };
  // A change back in (a, b] that cron(8) treats as summer time ending.
  const fallBackIn = (a: number, b: number): Change | null => {
    const drop = offset(a) - offset(b);
    return drop > 0 && drop <= CRON_DST_LIMIT ? changeIn(a, b) : null;
  };
  return {
    wallOf,
    fallBackIn,
    /** The fall-back whose repeated stretch `at` is in: cron's virtual clock is ahead of the wall clock. */
    repeatAt(at: number): Change | null {
      const c = fallBackIn(at - CRON_DST_LIMIT, at);
      return c && at < c.at + (c.before - c.after) ? c : null;
    },
    place(wall: number): Placed {
      const offsets = new Set([offset(wall - DAY), offset(wall), offset(wall + DAY)]);
      const instants = [...offsets].map((o) => wall - o).filter((t) => wallOf(t) === wall);
      if (instants.length) return { instants: instants.sort((a, b) => a - b) };
      return { skippedBy: changeIn(wall - Math.max(...offsets), wall - Math.min(...offsets)) };
    },
  };
}

type Zone = ReturnType<typeof zone>;

/** The instants cron(8) starts the job for this wall-clock time, and the change that skipped it, if one did. */
function firings(z: Zone, walls: Walls, wall: number): { at: number[]; skipped: Change | null } {
  const p = z.place(wall);
  if ('instants' in p) return { at: walls.wildcard ? p.instants : p.instants.slice(0, 1), skipped: null };
  const c = p.skippedBy;
  const madeUp = !walls.wildcard && c.after - c.before < CRON_DST_LIMIT;
  return { at: madeUp ? [c.at] : [], skipped: c };
}

/** The last start cron(8) makes at or before `now` (ms), in the zone `offset` describes. */
export function cronPrevious(walls: Walls, now: number, offset: Offset = hostOffset): number {
  const z = zone(offset);
  const repeat = z.repeatAt(now);
  if (repeat && walls.wildcard) {
    // The clock is going over the repeated stretch a second time, and wildcard jobs run by it again.
    const wall = walls.atOrBefore(z.wallOf(now));
    if (wall >= repeat.at + repeat.after) return wall - repeat.after;
  }
  // No time later than the clock's highest reading so far has come.
  let wall = walls.atOrBefore(repeat ? repeat.at - MINUTE + repeat.before : z.wallOf(now));
  for (let step = 0; step < MAX_STEPS; step++) {
    const f = firings(z, walls, wall);
    const due = f.at.filter((t) => t <= now);
    if (due.length) return Math.max(...due);
    wall = walls.atOrBefore(f.skipped ? f.skipped.at - MINUTE + f.skipped.before : wall - MINUTE);
  }
  throw new Error(`no start of this schedule in its last ${MAX_STEPS} times`);
}

/** The next start cron(8) makes after `now` (ms), in the zone `offset` describes. */
export function cronNext(walls: Walls, now: number, offset: Offset = hostOffset): number {
  const z = zone(offset);
  const repeat = z.repeatAt(now);
  let again = Infinity;
  if (walls.wildcard) {
    // Wildcard jobs run by a repeated stretch's times again: the rest of the one `now` is in, or all
    // of one coming within cron's limit.
    const c = repeat ?? z.fallBackIn(now, now + CRON_DST_LIMIT);
    if (c) {
      const wall = walls.atOrAfter(repeat ? Math.floor(z.wallOf(now) / MINUTE) * MINUTE + MINUTE : c.at + c.after);
      if (wall < c.at + c.before) again = wall - c.after;
    }
  }
  const highest = repeat ? repeat.at - MINUTE + repeat.before : z.wallOf(now);
  let wall = walls.atOrAfter(Math.floor(highest / MINUTE) * MINUTE + MINUTE);
  for (let step = 0; step < MAX_STEPS; step++) {
    const f = firings(z, walls, wall);
    const coming = f.at.filter((t) => t > now);
    if (coming.length) return Math.min(again, ...coming);
    wall = walls.atOrAfter(f.skipped ? f.skipped.at + f.skipped.after : wall + MINUTE);
  }
  if (again !== Infinity) return again;
  throw new Error(`no start of this schedule in its next ${MAX_STEPS} times`);
}
