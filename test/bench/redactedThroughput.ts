// The wrapper passing through output whose every line may hold a secret (each has `=` and one
// PGPASSWORD=…), against Node alone piping the same child, in the same rounds: what the redaction
// of the copies the wrapper keeps costs (src/common/redact.ts; target: at least 0.3 times Node's
// throughput). Part of `npm run bench`; alone, as it takes a minute where the bench takes an hour:
//   npm run build && BENCH_THROUGHPUT=1G BENCH_RUNS=3 node build/test/bench/redactedThroughput.js
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bytesOf, measureTogether, RUNS, type Measured, type Row } from './measure.js';

export const REDACTED_CASE = 'wrapper throughput, every line redacted';
export const REDACTED_LIMIT = 0.3;
const LINE = 'pg_restore: item=4242 TABLE DATA public.events PGPASSWORD=hunter2 owner govuk';

/** The row, measured with the wrapper at `wrapper` and its state in `stateDir`. */
export function measureRedactedThroughput(wrapper: string, stateDir: string, size = process.env.BENCH_THROUGHPUT ?? '1G', runs = Math.min(RUNS, 3)): Row {
  const bytes = bytesOf(size, 'BENCH_THROUGHPUT');
  const producer = `yes '${LINE}' | head -c ${bytes}`;
  const nodePipe = `${process.execPath} -e "const c=require('child_process').spawn('sh',['-c',process.argv[1]],{stdio:['ignore','pipe','inherit']});c.stdout.on('data',(b)=>require('fs').writeSync(1,b))" "${producer}"`;
  const [viaNode, viaWrapper] = measureTogether(
    [
      { cmd: [`${nodePipe} > /dev/null`], shell: true },
      { cmd: [`${wrapper} --no-syslog --state-dir ${stateDir} --job throughput_secret -- sh -c "${producer}" > /dev/null`], shell: true },
    ],
    runs,
  ) as [Measured, Measured];
  const ratio = viaNode.wall / viaWrapper.wall;
  const perLine = ((viaWrapper.wall - viaNode.wall) / (bytes / (LINE.length + 1))) * 1e9;
  return {
    case: REDACTED_CASE,
    size,
    subject: viaWrapper.wall,
    baselineName: 'node alone piping the same child',
    baseline: viaNode.wall,
    ratio,
    target: `throughput >= ${REDACTED_LIMIT} x node`,
    met: ratio >= REDACTED_LIMIT,
    peakMiB: viaWrapper.rssKiB / 1024,
    note: `${perLine.toFixed(0)} ns a line over Node's own`,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const data = mkdtempSync(join(tmpdir(), 'env-sync-bench-redacted-'));
  try {
    const r = measureRedactedThroughput(join(root, 'plugins', 'env-sync-run'), data);
    console.log(
      `${r.case} (${r.size}): wrapper ${r.subject.toFixed(3)}s vs ${r.baselineName} ${r.baseline.toFixed(3)}s: ratio ${r.ratio.toFixed(3)} (target >= ${REDACTED_LIMIT}) ${r.met ? 'MET' : 'NOT MET'}; ${r.note}; peak ${r.peakMiB!.toFixed(1)} MiB`,
    );
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
}
