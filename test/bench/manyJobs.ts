// Many job directories (issue 25, finding 10): check_env_sync_all -t over 5,000 and 100,000 jobs,
// its time to answer against the -t it was given (the loop over jobs looks at the deadline, so it
// answers at -t at the latest, UNKNOWN naming the job reached), and env-sync status's peak memory
// (rows made as each job is judged, not every job's facts held). Part of npm run bench; alone:
//   node build/test/bench/manyJobs.js      (BENCH_MANY_JOBS=5000,100000  BENCH_MANY_T=10)
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_ENV, once, rows } from './measure.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const plugin = (name: string) => join(root, 'plugins', name);
const SEED = 'seedjobxyz';

/** `n` job directories, each a copy of one finished run's state.json, made by the real wrapper. */
function makeJobs(stateDir: string, n: number): void {
  const r = spawnSync(plugin('env-sync-run'), ['--no-syslog', '--state-dir', stateDir, '--job', SEED, '--', 'true'], { stdio: 'ignore', env: BENCH_ENV });
  if (r.status !== 0) throw new Error('env-sync-run did not record the seed run');
  const text = readFileSync(join(stateDir, SEED, 'state.json'), 'utf8');
  rmSync(join(stateDir, SEED), { recursive: true });
  for (let i = 0; i < n; i++) {
    const job = `job_${String(i).padStart(6, '0')}`;
    mkdirSync(join(stateDir, job), { mode: 0o755 });
    writeFileSync(join(stateDir, job, 'state.json'), text.replaceAll(SEED, job), { mode: 0o644 });
  }
}

/** Drops the page cache's copy of the state directory where the bench may (root): the cold answer. */
function dropCaches(): boolean {
  spawnSync('sync');
  try {
    writeFileSync('/proc/sys/vm/drop_caches', '3');
    return true;
  } catch {
    return false;
  }
}

export function manyJobsRows(data: string): void {
  const sizes = (process.env.BENCH_MANY_JOBS ?? '5000,100000').split(',').map(Number);
  const t = Number(process.env.BENCH_MANY_T ?? 10);
  const syslog = join(data, 'syslog-empty');
  writeFileSync(syslog, '');
  for (const n of sizes) {
    const state = join(data, `many-${n}`);
    mkdirSync(state, { mode: 0o755 });
    makeJobs(state, n);
    const all = [plugin('check_env_sync_all'), '--state-dir', state, '--log', 'syslog', '--syslog', syslog, '-t', String(t)];
    const cases: Array<[string, string[], boolean]> = [
      [`check_env_sync_all -t ${t}, ${n} jobs, cold`, all, true],
      [`check_env_sync_all -t ${t}, ${n} jobs, warm`, all, false],
      [
        `env-sync status, ${n} jobs`,
        [plugin('env-sync'), 'status', '--state-dir', state, '--log', 'syslog', '--syslog', syslog, '--crontab', '/dev/null'],
        false,
      ],
    ];
    for (const [name, cmd, cold] of cases) {
      const dropped = cold ? dropCaches() : false;
      if (cold && !dropped) {
        rows.push({
          case: name,
          size: '-',
          subject: NaN,
          baselineName: '-t',
          baseline: t,
          ratio: NaN,
          target: 'information',
          met: null,
          peakMiB: null,
          note: 'not measured: cannot drop the page cache (not root)',
        });
        continue;
      }
      const s = once(cmd);
      const out = spawnSync(cmd[0]!, cmd.slice(1), { env: BENCH_ENV, encoding: 'utf8', maxBuffer: 256 << 20 });
      const first = (out.stdout ?? '').split('\n')[0]!.slice(0, 120);
      const isCheck = name.startsWith('check_env_sync_all');
      rows.push({
        case: name,
        size: '-',
        subject: s.wall,
        baselineName: isCheck ? '-t' : '-',
        baseline: isCheck ? t : NaN,
        ratio: isCheck ? s.wall / t : NaN,
        // The answer may come a process start and an exit after -t, never much later.
        target: isCheck ? '<= -t + 1 s' : 'information',
        met: isCheck ? s.wall <= t + 1 : null,
        peakMiB: s.rssKiB / 1024,
        note: isCheck ? first : `exit ${s.status}`,
      });
      console.log(`${name}: ${s.wall.toFixed(2)} s, peak ${(s.rssKiB / 1024).toFixed(0)} MiB${isCheck ? ` (-t ${t}): ${first}` : ''}`);
    }
    rmSync(state, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const data = mkdtempSync(join(tmpdir(), 'env-sync-bench-many-'));
  try {
    manyJobsRows(data);
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
}
