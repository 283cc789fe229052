// The executables of this checkout against those of an earlier commit, in the same run, round after
// round (old, new, old, new …): a refactor may not make any case more than 10 % slower. The earlier
// commit is built in a worktree of its own (npm ci, npm run build); the fixtures are made by its own
// wrapper, so both read markers of the schema the older one writes.
//   npm run build && node build/test/bench/against.js COMMIT      (BENCH_AGAINST_SIZES=1M,100M)
// The table goes to docs/benchmarks.md under "Against an earlier commit".
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_ENV, bytesOf, type Cmd, measureTogether, RUNS, STARTUP_RUNS } from './measure.js';
import { jobRunLines, scriptRunLines, writeSyslog } from './syslogGen.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const SIZES = (process.env.BENCH_AGAINST_SIZES ?? '1M,100M').split(',').map((s) => s.trim());
const JOB = 'pull_bench_production_daily';
const LIMIT = 1.1;
const HEADING = '## Against an earlier commit';

interface Tree {
  name: string;
  exe: (name: string) => string;
}

function sh(cmd: string, args: string[], cwd: string): void {
  const r = spawnSync(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', env: BENCH_ENV });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} in ${cwd} failed: ${r.stderr?.slice(-2000)}`);
}

/** The commit checked out beside this one and built as its own `npm run build` builds it. */
function buildOld(commit: string, dir: string): Tree {
  sh('git', ['worktree', 'add', '--detach', dir, commit], root);
  sh('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], dir);
  sh('npm', ['run', 'build'], dir);
  return { name: commit, exe: (n) => join(dir, 'plugins', n) };
}

/** A finished run of the job written by `tree`'s wrapper, moved in time by editing its JSON (no reader of either version in between). */
function marker(tree: Tree, stateDir: string, job: string, start: Date, exit: number): { runId: string; wrapperPid: number } {
  const r = spawnSync(tree.exe('env-sync-run'), ['--no-syslog', '--state-dir', stateDir, '--job', job, '--', exit ? 'false' : 'true'], {
    stdio: 'ignore',
    env: BENCH_ENV,
  });
  if (r.status === null) throw new Error(`${tree.exe('env-sync-run')} did not run`);
  const path = join(stateDir, job, 'state.json');
  const state = JSON.parse(readFileSync(path, 'utf8'));
  for (const k of ['last', 'lastSuccess'])
    if (state[k]) Object.assign(state[k], { start: start.toISOString(), end: new Date(start.getTime() + 1380_000).toISOString(), durationSeconds: 1380 });
  writeFileSync(path, JSON.stringify(state));
  return { runId: state.last.runId, wrapperPid: state.last.wrapperPid };
}

interface Case {
  name: string;
  size: string;
  args: (t: Tree) => Cmd;
  runs: number;
}

function cases(old: Tree, data: string): Case[] {
  const now = new Date();
  const day = 24 * 3600_000;
  const out: Case[] = [];
  const check = (t: Tree, state: string, syslog: string): Cmd => ({
    cmd: [t.exe('check_env_sync'), '--job', JOB, '--state-dir', state, '--syslog', syslog, '-t', '120'],
  });
  for (const size of SIZES) {
    const bytes = bytesOf(size, 'BENCH_AGAINST_SIZES');
    const dir = join(data, size);
    mkdirSync(dir);
    const typState = join(dir, 'state-typical');
    mkdirSync(typState);
    const start = new Date(now.getTime() - 2 * 3600_000);
    const typ = marker(old, typState, JOB, start, 1);
    writeSyslog(
      join(dir, 'syslog'),
      bytes,
      new Date(now.getTime() - day),
      now,
      jobRunLines({ job: JOB, ...typ, start, end: new Date(start.getTime() + 1380_000), exit: 1 }),
    );
    writeSyslog(join(dir, 'syslog.1'), bytes, new Date(now.getTime() - 2 * day), new Date(now.getTime() - day), []);
    out.push({ name: 'check, typical (run near end)', size, args: (t) => check(t, typState, join(dir, 'syslog')), runs: STARTUP_RUNS });

    const worstDir = join(dir, 'worst');
    const worstState = join(worstDir, 'state');
    mkdirSync(worstState, { recursive: true });
    const wStart = new Date(now.getTime() - 2 * day);
    const w = marker(old, worstState, JOB, wStart, 1);
    writeSyslog(join(worstDir, 'syslog'), bytes, new Date(now.getTime() - day), now, []);
    writeSyslog(
      join(worstDir, 'syslog.1'),
      bytes,
      wStart,
      new Date(now.getTime() - day),
      jobRunLines({ job: JOB, ...w, start: wStart, end: new Date(wStart.getTime() + 1380_000), exit: 1 }),
    );
    out.push({ name: 'check, worst (run at start of syslog.1)', size, args: (t) => check(t, worstState, join(worstDir, 'syslog')), runs: RUNS });

    const bareDir = join(dir, 'unwrapped');
    const bareState = join(bareDir, 'state');
    mkdirSync(bareState, { recursive: true });
    writeSyslog(join(bareDir, 'syslog'), bytes, new Date(now.getTime() - day), now, []);
    const sStart = new Date(now.getTime() - 2 * day + 3600_000);
    writeSyslog(
      join(bareDir, 'syslog.1'),
      bytes,
      new Date(now.getTime() - 2 * day),
      new Date(now.getTime() - day),
      scriptRunLines(JOB, sStart, new Date(sStart.getTime() + 1380_000), 0),
    );
    out.push({ name: 'check, unwrapped job (script lines in syslog.1)', size, args: (t) => check(t, bareState, join(bareDir, 'syslog')), runs: RUNS });
  }

  // 500 jobs, each a copy of one finished run's state.json.
  const many = join(data, 'many');
  mkdirSync(many);
  marker(old, many, 'seedjob', new Date(now.getTime() - 3600_000), 0);
  const seed = readFileSync(join(many, 'seedjob', 'state.json'), 'utf8');
  rmSync(join(many, 'seedjob'), { recursive: true });
  for (let i = 0; i < 500; i++) {
    const job = `job_${String(i).padStart(3, '0')}`;
    mkdirSync(join(many, job));
    writeFileSync(join(many, job, 'state.json'), seed.replaceAll('seedjob', job));
  }
  const empty = join(data, 'syslog-empty');
  writeFileSync(empty, '');
  out.push({
    name: 'check_env_sync_all, 500 jobs',
    size: '-',
    args: (t) => ({ cmd: [t.exe('check_env_sync_all'), '--state-dir', many, '--syslog', empty, '--crontab', '/dev/null'] }),
    runs: STARTUP_RUNS,
  });
  out.push({
    name: 'env-sync status, 500 jobs',
    size: '-',
    args: (t) => ({ cmd: [t.exe('env-sync'), 'status', '--state-dir', many, '--syslog', empty, '--crontab', '/dev/null'] }),
    runs: STARTUP_RUNS,
  });

  const wState = join(data, 'wrapper');
  mkdirSync(wState);
  out.push({
    name: 'wrapper start-up (wraps true)',
    size: '-',
    args: (t) => ({ cmd: [t.exe('env-sync-run'), '--no-syslog', '--state-dir', wState, '--job', 'startup', '--', 'true'] }),
    runs: STARTUP_RUNS,
  });
  const mib = Number(process.env.BENCH_AGAINST_THROUGHPUT_MIB ?? 256);
  const producer = `yes 'pg_restore: processing item 4242 TABLE DATA public.events owner govuk password=hunter2' | head -c ${mib * 2 ** 20}`;
  out.push({
    name: `wrapper throughput, ${mib} MiB of output, every line redacted`,
    size: `${mib}M`,
    args: (t) => ({ cmd: [`${t.exe('env-sync-run')} --no-syslog --state-dir ${wState} --job throughput -- sh -c "${producer}" > /dev/null`], shell: true }),
    runs: Math.min(RUNS, 3),
  });
  return out;
}

async function main(): Promise<void> {
  const commit = process.argv[2];
  if (!commit) throw new Error('give the earlier commit: node build/test/bench/against.js COMMIT');
  const data = mkdtempSync(join(tmpdir(), 'env-sync-against-'));
  const oldDir = join(data, 'old');
  const cur: Tree = { name: 'this checkout', exe: (n) => join(root, 'plugins', n) };
  try {
    const old = buildOld(commit, oldDir);
    const lines = ['| case | size | before | now | now / before | target | met |', '|---|---|---|---|---|---|---|'];
    for (const c of cases(old, data)) {
      const [before, now] = measureTogether([c.args(old), c.args(cur)], c.runs);
      const ratio = now!.wall / before!.wall;
      const line = `| ${c.name} | ${c.size} | ${before!.wall.toFixed(3)} s | ${now!.wall.toFixed(3)} s | ${ratio.toFixed(2)} | <= ${LIMIT} | ${ratio <= LIMIT ? 'yes' : 'NO'} |`;
      console.log(line);
      lines.push(line);
    }
    const head = `${HEADING}\n\n\`node build/test/bench/against.js ${commit}\` (${new Date().toISOString().slice(0, 10)}, Node ${process.version}): this checkout's executables against those of ${commit}, alternating round by round in the same run (medians; ${STARTUP_RUNS} rounds for start-up cases, ${RUNS} for reads, 3 for throughput). Target: no case more than 10 % slower.\n\n`;
    const docs = join(root, 'docs', 'benchmarks.md');
    const text = readFileSync(docs, 'utf8');
    const at = text.indexOf(HEADING);
    const rest = at < 0 ? '' : text.slice(text.indexOf('\n## ', at + HEADING.length) + 1 || text.length);
    const before = at < 0 ? `${text.trimEnd()}\n\n` : text.slice(0, at);
    writeFileSync(docs, `${before}${head}${lines.join('\n')}\n${rest ? `\n${rest}` : ''}`);
  } finally {
    spawnSync('git', ['worktree', 'remove', '--force', oldDir], { cwd: root, stdio: 'ignore' });
    rmSync(data, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`bench against: ${(err as Error).message}`);
  process.exit(1);
});
