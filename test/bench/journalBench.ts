// The journal's rows of `npm run bench`, also runnable alone (prints its rows, writes no doc):
//   node build/test/bench/journalBench.js        BENCH_JOURNAL_SIZE=1G (default), BENCH_RUNS=5
// A private namespaced systemd-journald is filled, as a host fills it, through its dev-log socket:
// first the runs judged "at its start" (a wrapped job's failed run, by the real wrapper; an unwrapped
// job's, by the sample script), then BENCH_JOURNAL_SIZE of other lines under eight tags (the mix of
// syslogGen.ts), then a recent unwrapped failure. journald stamps each entry as it arrives, so the
// order of writing is the order in time. 1 GiB of lines takes some ten minutes and 5 GiB of disk.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { queryArgs } from '../../src/journal/args.js';
import { journalQuery } from '../../src/logsource/scan.js';
import { readJobState } from '../../src/markers/read.js';
import { jobLineRule, SCRIPT_TAG } from '../../src/syslog/jobLines.js';
import { startJournald, type Journald } from '../support/journald.js';
import { BENCH_ENV, bytesOf, measureTogether, row, rows, RUNS, type Cmd, type Measured } from './measure.js';
import { NOISE_KINDS } from './syslogGen.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const plugin = (name: string) => join(root, 'plugins', name);
const SAMPLE = join(root, 'test', 'fixtures', 'sample_govuk_env_sync.sh');
const WRAPPED = 'pull_bench_production_daily';
const UNWRAPPED = 'pull_bench_unwrapped_daily';
const RECENT = 'pull_bench_recent_daily';
// Mirrors jobQueries.ts: a run's window is a minute before its start to 15 s (+15 s margin) after its end.
const BEFORE_MS = 60_000;
const AFTER_MS = 30_000;

function runOrThrow(cmd: string, args: string[], env: NodeJS.ProcessEnv): void {
  const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status === null || r.error) throw new Error(`${cmd} did not run: ${r.error?.message ?? r.stderr}`);
}

/** `bytes` of other lines through one logger a tag, fed in turn, as a busy host writes them. */
async function fill(jd: Journald, bytes: number): Promise<number> {
  const loggers = NOISE_KINDS.map(({ tag }) => spawn('logger', ['-u', jd.devLog, '--tag', tag(0), '--size', '8192'], { stdio: ['pipe', 'ignore', 'inherit'] }));
  const closed = loggers.map((l) => new Promise<void>((r) => l.once('close', () => r())));
  let written = 0;
  let i = 0;
  while (written < bytes) {
    const chunks = loggers.map(() => [] as string[]);
    for (let k = 0; k < 8000; k++, i++) {
      const kind = i % NOISE_KINDS.length;
      const text = `${NOISE_KINDS[kind]!.message(i)}\n`;
      chunks[kind]!.push(text);
      written += text.length + NOISE_KINDS[kind]!.tag(0).length + 2;
    }
    await Promise.all(loggers.map((l, k) => (l.stdin!.write(chunks[k]!.join('')) ? undefined : new Promise((r) => l.stdin!.once('drain', r)))));
  }
  for (const l of loggers) l.stdin!.end();
  await Promise.all(closed);
  return i;
}

/** Rows: an unwrapped job judged from the journal against node spawning the same journalctl query; runs at the journal's start against journalctl alone. */
export async function journalRows(): Promise<void> {
  const size = process.env.BENCH_JOURNAL_SIZE ?? '1G';
  const bytes = bytesOf(size, 'BENCH_JOURNAL_SIZE');
  const cases = [
    'check from the journal, unwrapped job',
    'check from the journal, worst (wrapped run at its start)',
    'check from the journal, unwrapped, run at its start',
  ];
  const notMeasured = (why: string) => {
    console.log(`journal rows: not measured: ${why}`);
    for (const c of cases.filter((name) => !rows.some((r) => r.case === name)))
      rows.push({
        case: c,
        size,
        subject: NaN,
        baselineName: '-',
        baseline: NaN,
        ratio: NaN,
        target: '-',
        met: false,
        peakMiB: null,
        note: `not measured: ${why}`,
      });
  };
  // journald's files take some five times the bytes of the lines; leave the disk room to spare.
  const fs = statfsSync('/var/log');
  const free = fs.bavail * fs.bsize;
  if (free < bytes * 6 + 4 * 2 ** 30)
    return notMeasured(`${(free / 2 ** 30).toFixed(1)} GiB free on /var/log, too little for ${size} of lines in journal files`);
  let jd: Journald;
  try {
    // No vacuuming of the oldest files (the runs judged are in them) while the journal fills.
    jd = await startJournald({ config: { SystemMaxUse: `${Math.ceil((bytes * 8) / 2 ** 30) + 1}G`, SystemKeepFree: '1G', SystemMaxFileSize: '512M' } });
  } catch (err) {
    return notMeasured((err as Error).message.split('\n')[0]!);
  }
  const dir = mkdtempSync(join(tmpdir(), 'env-sync-bench-journal-'));
  try {
    const state = join(dir, 'state');
    const empty = join(dir, 'state-unwrapped');
    mkdirSync(state);
    mkdirSync(empty);
    const cfg = (job: string) => {
      const p = join(dir, `${job}.cfg`);
      writeFileSync(p, 'behaviour=fail\nexit_code=3\n');
      return p;
    };
    const env = { ...BENCH_ENV, ENV_SYNC_SYSLOG_SOCKET: jd.devLog };
    runOrThrow(plugin('env-sync-run'), ['--state-dir', state, '--syslog-socket', jd.devLog, '--', SAMPLE, '-f', cfg(WRAPPED)], env);
    runOrThrow(SAMPLE, ['-f', cfg(UNWRAPPED)], env);
    const t0 = Date.now();
    const lines = await fill(jd, bytes);
    runOrThrow(SAMPLE, ['-f', cfg(RECENT)], env);
    await jd.sync();
    const du = spawnSync('du', ['-sh', jd.journalDir], { encoding: 'utf8' }).stdout.split('\t')[0];
    console.log(`journal: ${lines} lines (${size}) in ${((Date.now() - t0) / 1000).toFixed(0)} s, ${du} of journal files`);

    const check = (job: string, stateDir: string): Cmd => ({
      cmd: [plugin('check_env_sync'), '--job', job, '--state-dir', stateDir, '--journal-namespace', jd.namespace, '-t', '600'],
    });
    // The queries the check makes (src/logsource/scan.ts): the script's lines naming the job's cfg
    // for an unwrapped job, the job's tags in the run's window for a wrapped one.
    const scan = { syslog: '', rotated: 0, now: new Date() };
    const selection = { namespace: jd.namespace };
    const unwrappedQuery = (job: string) => queryArgs(journalQuery({ ...scan, tags: [SCRIPT_TAG], needles: [jobLineRule(job).cfgNeedle] }, selection));
    const run = readJobState(state, WRAPPED, null)!.last!;
    const rule = jobLineRule(WRAPPED);
    const windowQuery = queryArgs(
      journalQuery(
        {
          ...scan,
          tags: rule.tags,
          needles: rule.needles,
          stopBefore: new Date(Date.parse(run.start) - BEFORE_MS),
          notAfter: new Date(Date.parse(run.end!) + AFTER_MS),
        },
        selection,
      ),
    );
    const journalctl = (args: string[]): Cmd => ({ cmd: ['journalctl', ...args] });
    const nodeSpawning = (args: string[]): Cmd => ({
      cmd: [
        process.execPath,
        '-e',
        "const c=require('child_process').spawn('journalctl',JSON.parse(process.argv[1]),{stdio:['ignore','pipe','ignore']});c.stdout.on('data',()=>{})",
        JSON.stringify(args),
      ],
    });
    // GNU time's peak is the largest of the process and the children it waited for: journalctl's
    // mapped journal files count in the check's peak, so no memory target here; the baseline's is given.
    const peakNote = (base: Measured) => `peak RSS includes journalctl's mapped journal files; the baseline's peak: ${(base.rssKiB / 1024).toFixed(1)} MiB`;
    const status = (m: Measured, want: number, what: string) => {
      if (m.status !== want) throw new Error(`${what} exited ${m.status}, not ${want}`);
    };

    const [recent, viaNode] = measureTogether([check(RECENT, empty), nodeSpawning(unwrappedQuery(RECENT))], RUNS) as [Measured, Measured];
    status(recent, 2, `the check of ${RECENT}`);
    row({
      case: cases[0]!,
      size,
      subject: recent.wall,
      baselineName: 'node spawning the same journalctl query',
      baseline: viaNode.wall,
      target: '<= 1.3',
      limit: 1.3,
      peakMiB: recent.rssKiB / 1024,
      note: peakNote(viaNode),
    });

    const ratioLimit = bytes >= 2 ** 30 ? 2 : null;
    const target = bytes >= 2 ** 30 ? '<= 2' : '<= 2 at 1G (information here)';
    const [worst, worstAlone, unwrapped, unwrappedAlone] = measureTogether(
      [check(WRAPPED, state), journalctl(windowQuery), check(UNWRAPPED, empty), journalctl(unwrappedQuery(UNWRAPPED))],
      RUNS,
    ) as [Measured, Measured, Measured, Measured];
    status(worst, 2, `the check of ${WRAPPED}`);
    status(unwrapped, 2, `the check of ${UNWRAPPED}`);
    row({
      case: cases[1]!,
      size,
      subject: worst.wall,
      baselineName: 'journalctl alone, the same match',
      baseline: worstAlone.wall,
      target,
      limit: ratioLimit,
      peakMiB: worst.rssKiB / 1024,
      note: peakNote(worstAlone),
    });
    row({
      case: cases[2]!,
      size,
      subject: unwrapped.wall,
      baselineName: 'journalctl alone, the same match',
      baseline: unwrappedAlone.wall,
      target,
      limit: ratioLimit,
      peakMiB: unwrapped.rssKiB / 1024,
      note: peakNote(unwrappedAlone),
    });
  } catch (err) {
    notMeasured((err as Error).message.split('\n')[0]!);
  } finally {
    await jd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  journalRows().catch((err) => {
    console.error(`journal bench: ${(err as Error).message}`);
    process.exit(1);
  });
}
