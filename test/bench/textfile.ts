// The wrapper with --textfile-dir against the same wrapper without it, in the same rounds: what
// writing the job's node_exporter textfile at the start and the end of a run costs (target: at most
// 1.05 times). Part of `npm run bench`; alone: `npm run build && node build/test/bench/textfile.js`.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureTogether, STARTUP_RUNS, type Measured } from './measure.js';

export const TEXTFILE_CASE = 'wrapper start-up, --textfile-dir (wraps true)';
export const TEXTFILE_BASELINE = 'the same without --textfile-dir';
export const TEXTFILE_LIMIT = 1.05;
// Three times the start-up rounds: the difference looked for is a twentieth of a start, well inside
// one round's noise on a shared machine.
export const TEXTFILE_RUNS = 3 * STARTUP_RUNS;

/** Both wrappers on their own job in `data` (so each job's state grows alike), alternating. */
export function measureTextfileWrapper(wrapper: string, data: string, runs = TEXTFILE_RUNS): { subject: Measured; baseline: Measured } {
  const state = join(data, 'textfile-state');
  const textDir = join(data, 'textfile-dir');
  mkdirSync(state);
  mkdirSync(textDir);
  const base = [wrapper, '--no-syslog', '--state-dir', state];
  const [subject, baseline] = measureTogether(
    [{ cmd: [...base, '--textfile-dir', textDir, '--job', 'textfile_on', '--', 'true'] }, { cmd: [...base, '--job', 'textfile_off', '--', 'true'] }],
    runs,
  ) as [Measured, Measured];
  if (subject.status !== 0 || baseline.status !== 0) throw new Error(`env-sync-run exited ${subject.status} with --textfile-dir, ${baseline.status} without`);
  return { subject, baseline };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const data = mkdtempSync(join(tmpdir(), 'env-sync-bench-textfile-'));
  try {
    const { subject, baseline } = measureTextfileWrapper(join(root, 'plugins', 'env-sync-run'), data);
    const ratio = subject.wall / baseline.wall;
    console.log(
      `${TEXTFILE_CASE}: ${subject.wall.toFixed(4)}s vs ${TEXTFILE_BASELINE} ${baseline.wall.toFixed(4)}s: ratio ${ratio.toFixed(3)} (target <= ${TEXTFILE_LIMIT}) ${ratio <= TEXTFILE_LIMIT ? 'MET' : 'NOT MET'}; ${TEXTFILE_RUNS} rounds, peak ${(subject.rssKiB / 1024).toFixed(1)} MiB`,
    );
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
}
