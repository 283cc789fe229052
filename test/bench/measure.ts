// How the bench measures: each command under GNU time, in rounds alternating with its baseline,
// medians, and the rows of docs/benchmarks.md. Shared by the bench (run.ts) and the cases that can
// also be run alone (textfile.ts, journalBench.ts).
import { spawnSync } from 'node:child_process';

export const RUNS = Number(process.env.BENCH_RUNS ?? 5);
// Start-up cases take tens of milliseconds, where one slow round moves a median of 5: they get more.
export const STARTUP_RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 21);

export function bytesOf(size: string, what = 'BENCH_SIZES'): number {
  const m = /^(\d+)([KMG])$/.exec(size);
  if (!m) throw new Error(`${what}: ${size} is not like 1M, 100M, 1G`);
  return Number(m[1]) * { K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2] as 'K' | 'M' | 'G'];
}

export interface Sample {
  wall: number;
  rssKiB: number;
  status: number | null;
}

/**
 * The environment every measured command gets: ours without the variables that change what a bare
 * `node` costs. NRPE and Icinga start plugins with a small environment and cron with a smaller one;
 * a NODE_EXTRA_CA_CERTS (set on these build machines) makes every node start read and parse a
 * certificate bundle, 38 ms of a 60 ms `node -e 0`, which would flatter every ratio against it.
 */
export const BENCH_ENV: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !['NODE_EXTRA_CA_CERTS', 'NODE_OPTIONS', 'NODE_DEBUG'].includes(k)),
);

/** One run under GNU time for peak memory; wall time from our own clock. */
export function once(cmd: string[], opts: { env?: NodeJS.ProcessEnv; shell?: boolean } = {}): Sample {
  const argv = opts.shell ? ['sh', '-c', cmd.join(' ')] : cmd;
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '@@%M', ...argv], {
    env: { ...BENCH_ENV, ...opts.env },
    stdio: ['ignore', 'ignore', 'pipe'],
    maxBuffer: 64 << 20,
  });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const m = /@@(\d+)\s*$/.exec(r.stderr?.toString() ?? '');
  return { wall, rssKiB: m ? Number(m[1]) : NaN, status: r.status };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export type Cmd = { cmd: string[]; env?: NodeJS.ProcessEnv; shell?: boolean };
export type Measured = { wall: number; rssKiB: number; status: number | null };

/**
 * Runs the commands in turn, round after round (a, b, a, b …), so that a noisy neighbour slows a
 * subject and its baseline alike instead of whichever happened to run during the noise.
 */
export function measureTogether(cmds: Cmd[], runs = RUNS): Measured[] {
  for (const c of cmds) once(c.cmd, c); // warm the page cache and node's compile cache
  const samples: Sample[][] = cmds.map(() => []);
  for (let i = 0; i < runs; i++)
    cmds.forEach((c, j) => {
      samples[j]!.push(once(c.cmd, c));
    });
  return samples.map((ss) => ({ wall: median(ss.map((x) => x.wall)), rssKiB: Math.max(...ss.map((x) => x.rssKiB)), status: ss[0]!.status }));
}

export const NODE_BARE: Cmd = { cmd: [process.execPath, '-e', '0'] };

export interface Row {
  case: string;
  size: string;
  subject: number;
  baselineName: string;
  baseline: number;
  ratio: number;
  target: string;
  met: boolean | null;
  peakMiB: number | null;
  note?: string;
}
export const rows: Row[] = [];
export function row(r: Omit<Row, 'ratio' | 'met'> & { limit: number | null; memLimitMiB?: number }) {
  const ratio = r.subject / r.baseline;
  const met = r.limit === null ? null : ratio <= r.limit && (r.memLimitMiB === undefined || (r.peakMiB ?? 0) <= r.memLimitMiB);
  const full: Row = { ...r, ratio, met };
  rows.push(full);
  const f = (x: number) => x.toFixed(3);
  console.log(
    `${r.case.padEnd(34)} ${r.size.padStart(5)}  ${f(r.subject)}s vs ${r.baselineName} ${f(r.baseline)}s  ratio ${ratio.toFixed(2)} (target ${r.target})  peak ${r.peakMiB?.toFixed(1) ?? '-'} MiB  ${met === null ? '' : met ? 'MET' : 'NOT MET'}${r.note ? `  ${r.note}` : ''}`,
  );
}
