// What a structured journal event costs the wrapper, against the syslog lines it writes today:
//   node build/test/bench/journalEvents.js          (as root; JOURNAL_BENCH_ROUNDS=101 by default)
// Starts a private journald, then runs the measurements in a private mount namespace where that
// journald's sockets are mounted at /run/systemd/journal, as they are on a journal host, so
// `logger --journald` goes where it would in production. Each round runs every case once, in turn,
// and medians are taken (shared, noisy machine: the ratios to `spawn true` are what to compare).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { writeRunEvent } from '../../src/journal/event.js';
import { exec, startJournald } from '../support/journald.js';

const ROUNDS = Number(process.env.JOURNAL_BENCH_ROUNDS ?? 101);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

function spawned(cmd: string, args: string[], input?: string): Promise<number> {
  const t0 = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(ms(t0)) : reject(new Error(`${cmd} exited ${code}`))));
    if (input !== undefined) child.stdin!.end(input);
  });
}

/** One long-lived logger, as the wrapper keeps per tag: the cost of a line is a write to its stdin. */
async function longLivedLines(devLog: string, lines: number): Promise<number> {
  const child = spawn('logger', ['-u', devLog, '--tag', 'env-sync-run', `--id=${process.pid}`], { stdio: ['pipe', 'ignore', 'inherit'] });
  await new Promise((r) => child.once('spawn', r));
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < lines; i++) child.stdin!.write(`event=bench job=pull_x run=r line=${i}\n`);
  const written = ms(t0);
  child.stdin!.end();
  await new Promise((r) => child.once('close', r));
  return written / lines;
}

// Inside, the namespace's own directory is covered by the tmpfs: its sockets are at /run/systemd/journal.
async function inside(): Promise<void> {
  const runDir = '/run/systemd/journal';
  const devLog = `${runDir}/dev-log`;
  const event = { job: 'pull_x', runId: 'bench', event: 'start', message: 'event=start job=pull_x run=bench' };
  const cases: Record<string, () => Promise<number>> = {
    'spawn true (Node spawn floor)': () => spawned('true', []),
    'logger -u dev-log, one line (a process per line)': () => spawned('logger', ['-u', devLog, '--tag', 'env-sync-run', 'event=start job=pull_x run=bench']),
    'logger --journald, one entry (spawned directly)': () =>
      spawned(
        'logger',
        ['--journald'],
        'MESSAGE=event=start job=pull_x run=bench\nSYSLOG_IDENTIFIER=env-sync-run\nENV_SYNC_JOB=pull_x\nENV_SYNC_RUN=bench\nENV_SYNC_EVENT=start\n',
      ),
    'writeRunEvent, default socket (production path)': async () => {
      const t0 = process.hrtime.bigint();
      const r = await writeRunEvent(event);
      if (!r.written) throw new Error(r.why ?? 'not written');
      return ms(t0);
    },
    'writeRunEvent, namespace socket via unshare (tests only)': async () => {
      const t0 = process.hrtime.bigint();
      // Any other spelling of the directory takes the unshare path, which is what tests pay.
      const r = await writeRunEvent(event, { socketDir: `${runDir}/` });
      if (!r.written) throw new Error(r.why ?? 'not written');
      return ms(t0);
    },
  };
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let round = 0; round < ROUNDS; round++) for (const [name, run] of Object.entries(cases)) samples[name]!.push(await run());
  const perLine = median(await Promise.all([1, 2, 3].map(() => longLivedLines(devLog, 10_000))));
  const floor = median(samples['spawn true (Node spawn floor)']!);
  const rows = Object.entries(samples).map(([name, xs]) => `| ${name} | ${median(xs).toFixed(2)} | ${(median(xs) / floor).toFixed(1)}× |`);
  rows.push(`| a line to the wrapper's long-lived logger -u (write to its stdin) | ${perLine.toFixed(4)} | ${(perLine / floor).toFixed(3)}× |`);
  process.stdout.write(`${ROUNDS} rounds, medians, ms\n\n| case | median ms | × spawn true |\n|---|---|---|\n${rows.join('\n')}\n`);
}

async function main(): Promise<void> {
  if (process.argv[2] === '--inside') return inside();
  const jd = await startJournald();
  try {
    const self = fileURLToPath(import.meta.url);
    const mountThenRun =
      'cd "$1" && mount -t tmpfs -o mode=0755 env-sync-bench /run/systemd && mkdir /run/systemd/journal && mount --no-canonicalize --bind . /run/systemd/journal && shift && exec "$@"';
    const r = await exec('unshare', ['--mount', 'sh', '-c', mountThenRun, 'sh', jd.runDir, process.execPath, self, '--inside']);
    process.stdout.write(r.stdout);
    if (r.code !== 0) throw new Error(`measurement failed: ${r.stderr}`);
  } finally {
    await jd.stop();
  }
}

await main();
