// How the bench measures: each command under GNU time, in rounds alternating with its baseline,
// medians. Shared by the bench (run.ts) and the cases that can also be run alone (textfile.ts).
import { spawnSync } from 'node:child_process';

export const RUNS = Number(process.env.BENCH_RUNS ?? 5);
// Start-up cases take tens of milliseconds, where one slow round moves a median of 5: they get more.
export const STARTUP_RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 21);

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
export const BENCH_ENV: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !['NODE_EXTRA_CA_CERTS', 'NODE_OPTIONS', 'NODE_DEBUG'].includes(k)));

/** One run under GNU time for peak memory; wall time from our own clock. */
export function once(cmd: string[], opts: { env?: NodeJS.ProcessEnv; shell?: boolean } = {}): Sample {
  const argv = opts.shell ? ['sh', '-c', cmd.join(' ')] : cmd;
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '@@%M', ...argv], { env: { ...BENCH_ENV, ...opts.env }, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 << 20 });
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
  for (let i = 0; i < runs; i++) cmds.forEach((c, j) => samples[j]!.push(once(c.cmd, c)));
  return samples.map((ss) => ({ wall: median(ss.map((x) => x.wall)), rssKiB: Math.max(...ss.map((x) => x.rssKiB)), status: ss[0]!.status }));
}
