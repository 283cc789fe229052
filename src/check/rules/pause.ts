// The pause rule (env-sync pause): while a job is paused its verdict is OK, WARNING in the last hour
// so that the end is seen coming, and says who paused it, until when and why; its other findings are
// still said, at OK. A pause ends by itself at its `until`; after that the job is judged as usual.
// Pure: the pause file is read by gather (CheckFacts.pause).
import { OK, WARNING } from '../../common/states.js';
import { clock, duration } from '../../common/timeWords.js';
import type { Pause, PauseRead } from '../../markers/pause.js';
import type { CheckFacts, Judgement, Result } from '../types.js';
import { pauseEnding, paused, pauseNotBelieved } from '../words.js';

/** The last stretch of a pause in which the job is WARNING: its end must not come as a surprise. */
export const PAUSE_ENDING_SECONDS = 3600;

/** What gather read of the job's pause files (markers/pause.ts, readPauses). */
export type PauseFacts = PauseRead;

/** Who paused: `root (sudo from alice)`, `govuk-backup`. */
export function pausedBy(p: Pause): string {
  return p.sudoUser ? `${p.by} (sudo from ${p.sudoUser})` : p.by;
}

/** `paused until 14:00 (for 2h 10m more) by alice: DB migration`. */
export function pausedWords(p: Pause, now: Date): string {
  const until = new Date(p.until);
  const left = duration((until.getTime() - now.getTime()) / 1000);
  return paused({ allJobs: p.job === null, until: clock(until, now), left, by: pausedBy(p), reason: p.reason });
}

/** `the pause ends in 35m: the job is judged as usual from then`. */
export function pauseEndingWords(p: Pause, now: Date): string {
  return pauseEnding({ left: duration((Date.parse(p.until) - now.getTime()) / 1000) });
}

/** A pause file that does not count. */
export function pauseProblemWords(problem: string): string {
  return pauseNotBelieved({ problem });
}

/** The pause's finding, or null when there is nothing to say. */
export function pauseResult(pause: PauseFacts | undefined, now: Date): Result | null {
  if (!pause) return null;
  if (pause.active) {
    const ending = Date.parse(pause.active.until) - now.getTime() <= PAUSE_ENDING_SECONDS * 1000;
    const text = pausedWords(pause.active, now);
    return ending ? { state: WARNING, text: `${text}; ${pauseEndingWords(pause.active, now)}` } : { state: OK, text };
  }
  return pause.problem ? { state: WARNING, text: pauseProblemWords(pause.problem) } : null;
}

/** The judgement with the pause applied: first its finding, then the others at OK while it lasts. */
export function withPause(j: Judgement, facts: Pick<CheckFacts, 'pause'>, now: Date): Judgement {
  const r = pauseResult(facts.pause, now);
  if (!r) return j;
  if (!facts.pause?.active) return { ...j, results: [...j.results, r] };
  // The headline (a job with no record) is one of the results too: it follows the pause's words.
  return { ...j, headline: null, results: [r, ...j.results.map((x) => ({ ...x, state: OK }))] };
}
