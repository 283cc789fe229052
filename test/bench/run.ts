// npm run bench: generates its data, runs each case several times, prints medians and ratios against
// baselines measured in the same run (the machines are shared and noisy: only ratios mean anything),
// and writes the table to docs/benchmarks.md.
//   BENCH_SIZES=1M,100M,1G (default)   BENCH_RUNS=5 (default)   BENCH_STARTUP_RUNS=21 (default)
//   BENCH_KEEP=1 keeps the data dir
//   BENCH_ICINGA_JOBS=500, BENCH_ICINGA_SECONDS=60 (default): the Icinga master + agent load case
//   BENCH_JOURNAL_SIZE=1G (default): the journal's lines for its rows (journalBench.ts)
//   BENCH_MANY_JOBS=5000,100000, BENCH_MANY_T=10 (default): check_env_sync_all -t and env-sync status over that many job directories (manyJobs.ts)
//   One case alone: node build/test/bench/textfile.js, redactedThroughput.js (BENCH_THROUGHPUT=1G)
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, freemem, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request as httpsRequest } from 'node:https';
import { jobRunLines, scriptRunLines, writeSyslog } from './syslogGen.js';
import { recordRun } from '../../src/markers/store.js';
import { readJobState } from '../../src/markers/read.js';
import { writeFileAtomic } from '../../src/markers/atomicWrite.js';
import { statePath } from '../../src/markers/paths.js';
import type { Run } from '../../src/markers/types.js';
import { startRsyslog, type Rsyslog } from '../support/rsyslog.js';
import { buildDeb } from '../support/debPackage.js';
import { cachedRoot, RELEASES, RootSession, type Release } from '../support/cleanRoot.js';
import { benchNodes, codeCacheState } from './nodes.js';
import { journalRows } from './journalBench.js';
import { manyJobsRows } from './manyJobs.js';
import { BENCH_ENV, bytesOf, measureTogether, NODE_BARE, row, rows, RUNS, STARTUP_RUNS, type Cmd, type Measured } from './measure.js';
import { Icinga2Cluster } from '../support/icinga2Cluster.js';
import { measureRedactedThroughput } from './redactedThroughput.js';
import { measureTextfileWrapper, TEXTFILE_BASELINE, TEXTFILE_CASE, TEXTFILE_LIMIT, TEXTFILE_RUNS } from './textfile.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const plugin = (name: string) => join(root, 'plugins', name);
const SIZES = (process.env.BENCH_SIZES ?? '1M,100M,1G').split(',').map((s) => s.trim());
const JOB = 'pull_bench_production_daily';
const NOTES_HEADING = '## Notes';

// Plugins answer --help with exit 3 (the Monitoring Plugins' way), so look for the usage text.
function have(exe: string): boolean {
  const r = spawnSync(plugin(exe), ['--help'], { encoding: 'utf8' });
  return /Usage:/.test(r.stdout ?? '');
}

/** A finished run of the job, written by the real wrapper, then moved in time to where the case wants it. */
function makeMarker(stateDir: string, job: string, start: Date, exit: number): Run {
  const r = spawnSync(plugin('env-sync-run'), ['--no-syslog', '--state-dir', stateDir, '--job', job, '--', exit ? 'false' : 'true'], { stdio: 'ignore' });
  if (r.status === null) throw new Error('env-sync-run did not run');
  const state = readJobState(stateDir, job, null)!;
  const shift = (run: Run | null) =>
    run && { ...run, start: start.toISOString(), end: new Date(start.getTime() + 23 * 60_000).toISOString(), durationSeconds: 1380 };
  const moved = { ...state, last: shift(state.last), lastSuccess: shift(state.lastSuccess) };
  writeFileAtomic(statePath(stateDir, job), JSON.stringify(moved));
  return moved.last!;
}

function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `${cpu}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB (${(freemem() / 2 ** 30).toFixed(0)} GiB free), Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
}

/**
 * What each import the executables could make costs a start, against `node -e 0` in the same rounds:
 * the figures behind the bundling decisions (README, Decisions). Each row loads one thing in a bare
 * node; "added" is its median minus node's.
 */
function measureImports(): string[] {
  const dist = (f: string) => JSON.stringify(join(root, 'dist', f));
  const mod = (name: string) => JSON.stringify(join(root, 'node_modules', name));
  const cases: Array<[string, string, string]> = [
    ['node:child_process', "require('node:child_process')", 'the wrapper needs it; loaded lazily by env-sync (rerun --exec)'],
    ['node:crypto', "require('node:crypto').randomBytes(4)", 'not used: run ids come from /dev/urandom'],
    ['process.stdout (stream modules)', "process.stdout.write('')", 'plugins write with write(2) instead'],
    ["localeCompare (ICU's collator)", "'a'.localeCompare('b')", 'not used: names sort by code unit'],
    ['the ES module loader', "import('node:fs')", 'not used: the bundles are CommonJS'],
    [
      'date-fns/formatDistanceStrict, from node_modules',
      `require(${mod('date-fns/formatDistanceStrict.js')}).formatDistanceStrict(0, 1)`,
      'bundled into every executable (`ago`), without the file lookups this row pays',
    ],
    ['yargs, from node_modules', `import(${mod('yargs/index.mjs')})`, 'never: bundled'],
    ['yargs, its bundle (dist/lazy)', `require(${dist('lazy/yargs.cjs')})`, 'help and unusual command lines only'],
    ['execa, its bundle (dist/lazy)', `require(${dist('lazy/execa.cjs')})`, "reading a user's crontab only"],
    ['cron-parser, its bundle (dist/lazy)', `require(${dist('lazy/cron-parser.cjs')})`, '--schedule and the NEXT RUN column only'],
    ['tail-file, its bundle (dist/lazy)', `require(${dist('lazy/tail-file.cjs')})`, 'env-sync logs --follow only'],
  ];
  const measured = measureTogether([NODE_BARE, ...cases.map(([, code]) => ({ cmd: [process.execPath, '-e', code] }))], STARTUP_RUNS);
  const base = measured[0]!.wall;
  const lines = ['| import | median | node -e 0 | added | ratio | where it is used |', '|---|---|---|---|---|---|'];
  cases.forEach(([name, , where], i) => {
    const m = measured[i + 1]!;
    const failed = m.status !== 0 ? ' (failed to load)' : '';
    console.log(`import ${name.padEnd(36)} ${(m.wall * 1000).toFixed(1)} ms, +${((m.wall - base) * 1000).toFixed(1)} ms over node -e 0${failed}`);
    lines.push(
      `| ${name} | ${(m.wall * 1000).toFixed(1)} ms | ${(base * 1000).toFixed(1)} ms | ${((m.wall - base) * 1000).toFixed(1)} ms | ${(m.wall / base).toFixed(2)} | ${where}${failed} |`,
    );
  });
  return lines;
}

/**
 * The typical check as the Debian package runs it: the package `npm run package` builds, unpacked
 * with `dpkg-deb -x` (the files and relative links `dpkg -i` puts in /, without root and without
 * touching this machine) and warmed up as its postinst does, its /usr/lib/nagios/plugins/check_env_sync against `node -e 0` of the node
 * its launcher names (#!/usr/bin/node), and the checkout's plugin in the same rounds for comparison.
 */
function installedPackageStartup(data: string): void {
  const name = 'check from the Debian package, typical';
  const dir = join(data, 'deb');
  mkdirSync(dir);
  const notMeasured = (why: string) => {
    console.log(`${name}: not measured: ${why}`);
    rows.push({
      case: name,
      size: '1M',
      subject: NaN,
      baselineName: '/usr/bin/node -e 0',
      baseline: NaN,
      ratio: NaN,
      target: '<= 1.3',
      met: false,
      peakMiB: null,
      note: `not measured: ${why}`,
    });
  };
  let deb: string;
  try {
    deb = buildDeb(dir);
  } catch (err) {
    notMeasured((err as Error).message.split('\n')[0]!);
    return;
  }
  const unpacked = join(dir, 'root');
  const x = spawnSync('dpkg-deb', ['-x', deb, unpacked], { encoding: 'utf8' });
  if (x.status !== 0) {
    notMeasured(`dpkg-deb -x failed: ${x.stderr || x.error?.message}`);
    return;
  }
  const node = spawnSync('/usr/bin/node', ['-e', '0']);
  if (node.status !== 0) {
    notMeasured('/usr/bin/node, which the package runs, is missing (apt-get install -y nodejs)');
    return;
  }
  // The package ships no code cache: its postinst writes this node's with the warm-up it carries.
  const warm = spawnSync('/usr/bin/node', [join(unpacked, 'usr/lib/env-sync-checks/scripts/warm-code-cache.mjs'), '--prune'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH },
  });
  if (warm.status !== 0) {
    notMeasured(`the package's warm-up failed: ${warm.stderr.trim()}`);
    return;
  }

  // The typical case of the main table: a failed run two hours back, its lines near the end of syslog.
  const now = new Date();
  const state = join(dir, 'state');
  mkdirSync(state);
  const runStart = new Date(now.getTime() - 2 * 3600_000);
  const failed = makeMarker(state, JOB, runStart, 1);
  const syslog = join(dir, 'syslog');
  writeSyslog(
    syslog,
    1 << 20,
    new Date(now.getTime() - 24 * 3600_000),
    now,
    jobRunLines({ job: JOB, runId: failed.runId, start: runStart, end: new Date(runStart.getTime() + 1380_000), exit: 1 }),
  );
  const args = ['--job', JOB, '--state-dir', state, '--syslog', syslog, '-t', '120'];
  const [packaged, base, checkout] = measureTogether(
    [
      { cmd: [join(unpacked, 'usr/lib/nagios/plugins/check_env_sync'), ...args] },
      { cmd: ['/usr/bin/node', '-e', '0'] },
      { cmd: [plugin('check_env_sync'), ...args] },
    ],
    STARTUP_RUNS,
  ) as [Measured, Measured, Measured];
  if (packaged.status !== 2) {
    notMeasured(`the packaged check exited ${packaged.status}, not 2 (CRITICAL) as the failed run should give`);
    return;
  }
  row({
    case: name,
    size: '1M',
    subject: packaged.wall,
    baselineName: '/usr/bin/node -e 0',
    baseline: base.wall,
    target: '<= 1.3',
    limit: 1.3,
    peakMiB: packaged.rssKiB / 1024,
    memLimitMiB: 80,
    note: `the checkout's plugin in the same rounds: ${(checkout.wall / base.wall).toFixed(2)}`,
  });
}

/**
 * The typical check from the package installed in a clean root of a Debian release (test/support/
 * cleanRoot.ts: mmdebstrap, an overlay, chroot): `apt install ./deb` with the release's nodejs, whose
 * postinst writes that node's code caches, then the root's /usr/lib/nagios/plugins/check_env_sync
 * against the root's own `/usr/bin/node -e 0`, alternating in the same rounds. The rounds are timed
 * inside the root by its own node (spawnSync and hrtime), so neither side pays nsenter and chroot;
 * the root has no GNU time, so there is no peak memory.
 */
async function cleanRootPackageStartup(data: string, release: Release): Promise<void> {
  const name = `check from the Debian ${release.debian} package`;
  const baselineName = `Debian ${release.debian}'s /usr/bin/node -e 0`;
  const notMeasured = (why: string) => {
    console.log(`${name}: not measured: ${why}`);
    rows.push({
      case: name,
      size: '1M',
      subject: NaN,
      baselineName,
      baseline: NaN,
      ratio: NaN,
      target: '<= 1.3',
      met: false,
      peakMiB: null,
      note: `not measured: ${why}`,
    });
  };
  if (process.getuid?.() !== 0) {
    notMeasured('needs root (mmdebstrap, mount, chroot)');
    return;
  }
  const dir = join(data, `debian${release.debian}`);
  mkdirSync(dir);
  let root: RootSession | null = null;
  try {
    const deb = buildDeb(dir);
    root = new RootSession(cachedRoot(release, (l) => console.log(l)));
    await root.start();
    const inRoot = root.copyIn(deb);
    const up = root.sh('apt-get update');
    if (up.status !== 0) {
      notMeasured(`apt-get update failed: ${up.stderr.trim().split('\n').pop()}`);
      return;
    }
    const inst = root.sh(`apt-get install -y --no-install-recommends ${inRoot}`);
    if (inst.status !== 0) {
      notMeasured(`apt install ./deb failed: ${(inst.stdout + inst.stderr).trim().split('\n').slice(-3).join(' ')}`);
      return;
    }
    const node = root.sh("node -p 'process.version'").stdout.trim();
    // The main table's typical case, made here and bound into the root at /bench.
    const now = new Date();
    const state = join(dir, 'state');
    mkdirSync(state);
    const runStart = new Date(now.getTime() - 2 * 3600_000);
    const failed = makeMarker(state, JOB, runStart, 1);
    writeSyslog(
      join(dir, 'syslog'),
      1 << 20,
      new Date(now.getTime() - 24 * 3600_000),
      now,
      jobRunLines({ job: JOB, runId: failed.runId, start: runStart, end: new Date(runStart.getTime() + 1380_000), exit: 1 }),
    );
    const bound = root.hostSh(`mkdir -p "$ROOT/bench" && mount --bind '${dir}' "$ROOT/bench"`);
    if (bound.status !== 0) {
      notMeasured(`cannot bind the fixture into the root: ${bound.stderr.trim()}`);
      return;
    }
    const cmds = [
      ['/usr/lib/nagios/plugins/check_env_sync', '--job', JOB, '--state-dir', '/bench/state', '--syslog', '/bench/syslog', '-t', '120'],
      ['/usr/bin/node', '-e', '0'],
    ];
    // Node 18-proof: runs on the root's node. One warm-up run each, then STARTUP_RUNS rounds.
    const harness = `const { spawnSync } = require('child_process');
const cmds = ${JSON.stringify(cmds)}; const env = { PATH: '/usr/bin:/bin', LC_ALL: 'C.UTF-8' };
const time = (c) => { const t = process.hrtime.bigint(); const r = spawnSync(c[0], c.slice(1), { env, stdio: 'ignore' }); return [Number(process.hrtime.bigint() - t) / 1e9, r.status]; };
const walls = cmds.map(() => []); const status = cmds.map((c) => time(c)[1]);
for (let i = 0; i < ${STARTUP_RUNS}; i++) cmds.forEach((c, j) => walls[j].push(time(c)[0]));
const med = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = Math.floor(s.length / 2); return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
console.log(JSON.stringify({ walls: walls.map(med), status }));`;
    root.put('/tmp/bench-harness.js', harness);
    const cache = root.sh(`ENV_SYNC_DEBUG_CODE_CACHE=1 ${cmds[0]!.join(' ')} 2>&1 >/dev/null | sed -n 's/^code cache: \\([a-z]*\\).*/\\1/p'`).stdout.trim();
    const r = root.sh('/usr/bin/node /tmp/bench-harness.js', { timeoutMs: 1_800_000 });
    if (r.status !== 0) {
      notMeasured(`the harness failed in the root: ${r.stderr.trim()}`);
      return;
    }
    const { walls, status } = JSON.parse(r.stdout) as { walls: [number, number]; status: [number | null, number | null] };
    if (status[0] !== 2) {
      notMeasured(`the packaged check exited ${status[0]}, not 2 (CRITICAL) as the failed run should give`);
      return;
    }
    row({
      case: name,
      size: '1M',
      subject: walls[0],
      baselineName,
      baseline: walls[1],
      target: '<= 1.3',
      limit: 1.3,
      peakMiB: null,
      note: `Node ${node}; code cache: ${cache || 'unknown'}`,
    });
  } catch (err) {
    notMeasured((err as Error).message.split('\n')[0]!);
  } finally {
    await root?.stop();
  }
}

/**
 * Many hosts: one Icinga 2 agent with BENCH_ICINGA_JOBS (500) wrapped jobs, each an `env-sync <job>`
 * service of the shipped agent variant (command_endpoint) checked every minute by a master, over
 * BENCH_ICINGA_SECONDS (60) once every service has had its first check:
 * - the agent's CPU seconds per minute (daemon and plug-ins: every process of its process group,
 *   with the children it reaped) against the CPU of as many `node -e 0`;
 * - the master's check latency: from the time a check was due on the master (its next_check) to
 *   the result's arrival there (the master's event stream), less the plug-in's own run time. Icinga's
 *   own latency figure cannot serve: for a command_endpoint check the agent stamps schedule_start and
 *   schedule_end itself, so it reads 0 (or below) however late the result is.
 */
async function measureIcingaAgentLoad(data: string): Promise<void> {
  const jobs = Number(process.env.BENCH_ICINGA_JOBS ?? 500);
  const windowSeconds = Number(process.env.BENCH_ICINGA_SECONDS ?? 60);
  const caseCpu = `icinga agent CPU, ${jobs} jobs checked every minute`;
  const caseLatency = `icinga master check latency, ${jobs} jobs every minute`;
  const dir = join(data, 'icinga-agent');
  const stateDir = join(dir, 'state');
  const pluginDir = join(dir, 'plugins');
  mkdirSync(stateDir, { recursive: true });
  mkdirSync(pluginDir);
  symlinkSync(plugin('check_env_sync'), join(pluginDir, 'check_env_sync'));
  // Every job has a run on record (one real wrapper run, copied under each name), 1 in 50 failed.
  spawnSync(plugin('env-sync-run'), ['--no-syslog', '--state-dir', stateDir, '--job', 'seed', '--', 'true'], { stdio: 'ignore', env: BENCH_ENV });
  const seed = readJobState(stateDir, 'seed', null)!.last!;
  const names = Array.from({ length: jobs }, (_, i) => `job_${String(i).padStart(3, '0')}`);
  names.forEach((job, i) => {
    const ctx = {
      stateDir,
      job,
      bootId: null,
      holder: { runId: 'bench', pid: process.pid, startTicks: null, bootId: null, host: 'bench', start: new Date().toISOString() },
    };
    recordRun(ctx, { ...seed, job, runId: `bench-${i}`, outcome: i % 50 === 0 ? 'failure' : 'success', exitCode: i % 50 === 0 ? 1 : 0 });
  });
  const syslog = join(dir, 'syslog');
  writeSyslog(syslog, 1 << 20, new Date(Date.now() - 24 * 3600_000), new Date(), []);
  // The shipped rule checks every 5 minutes; the case is every minute, so only the interval changes.
  const shipped = readFileSync(join(root, 'icinga-conf', 'icinga2', 'services-agent.conf'), 'utf8');
  if ((shipped.match(/check_interval = 5m/g) ?? []).length !== 1)
    throw new Error('services-agent.conf: expected one "check_interval = 5m" to set to 1m for the benchmark');
  const rules = join(dir, 'services-agent.conf');
  writeFileSync(rules, shipped.replace('check_interval = 5m', 'check_interval = 1m'));
  const masterConfig = `object Host "agent" {
  check_command = "dummy"
  vars.agent_endpoint = name
  vars.env_sync_state_dir = ${JSON.stringify(stateDir)}
  vars.env_sync_syslog = ${JSON.stringify(syslog)}
${names.map((j) => `  vars.env_sync_jobs["${j}"] = { max_age = "26h" }`).join('\n')}
}
`;
  const tick = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
  const statFields = (path: string) => {
    const f = readFileSync(path, 'utf8');
    return f
      .slice(f.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number); // [0] is field 3 of proc(5)
  };
  // utime + stime + cutime + cstime of every process in the group (a plug-in still running at a
  // sample is counted in its own line, once reaped in its parent's cutime: no double count).
  const groupCpu = (pgid: number): number => {
    let ticks = 0;
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      try {
        const f = statFields(`/proc/${pid}/stat`);
        if (f[2] === pgid) ticks += f[11]! + f[12]! + f[13]! + f[14]!;
      } catch {
        /* ended meanwhile */
      }
    }
    return ticks / tick;
  };
  let cluster: Icinga2Cluster | undefined;
  let stopEvents = () => {};
  try {
    cluster = await Icinga2Cluster.create({
      dir: join(dir, 'icinga2'),
      globalFiles: [join(root, 'icinga-conf', 'icinga2', 'commands.conf')],
      masterFiles: [rules],
      masterConfig,
      agents: [{ name: 'agent', pluginDir, acceptCommands: true, acceptConfig: true }],
      masterPermissions: ['events/*'],
      env: BENCH_ENV,
    });
    await cluster.start();
    const c = cluster;
    const services = async (attrs: string[]): Promise<Array<{ name: string; attrs: any }>> => {
      const r = await c.master.api('GET', `/v1/objects/services?filter=${encodeURIComponent('host.name=="agent"')}${attrs.map((a) => `&attrs=${a}`).join('')}`);
      return r.json?.results ?? [];
    };
    // The first checks are spread over the first minute; the window starts once each has run once.
    await c.waitFor(
      `a first result from the agent for each of ${jobs} services`,
      async () => {
        const rs = await services(['last_check_result']);
        return rs.length === jobs && rs.every((s) => s.attrs.last_check_result?.check_source === 'agent' && s.attrs.last_check_result.exit_status !== 3);
      },
      Date.now() + 240_000,
    );
    // Every check result as the master processes it, stamped with the master's time.
    const arrivals: Array<{ service: string; at: number; cr: any }> = [];
    await new Promise<void>((resolve, reject) => {
      const body = JSON.stringify({ types: ['CheckResult'], queue: `bench-${process.pid}`, filter: 'event.host=="agent"' });
      const auth = 'Basic ' + Buffer.from(`${c.apiUser.user}:${c.apiUser.password}`).toString('base64');
      const req = httpsRequest(
        `${c.master.url}/v1/events`,
        {
          method: 'POST',
          ca: readFileSync(c.caCert),
          servername: c.master.name,
          agent: false,
          headers: { Accept: 'application/json', Authorization: auth, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
        },
        (res) => {
          if (res.statusCode !== 200) return reject(new Error(`event stream: HTTP ${res.statusCode}`));
          let buf = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            buf += chunk;
            let nl: number;
            while ((nl = buf.indexOf('\n')) >= 0) {
              const line = buf.slice(0, nl);
              buf = buf.slice(nl + 1);
              if (!line.trim()) continue;
              const e = JSON.parse(line);
              arrivals.push({ service: e.service, at: e.timestamp, cr: e.check_result });
            }
          });
          res.on('error', () => {});
          resolve();
        },
      );
      req.on('error', (err) => (arrivals.length ? undefined : reject(err)));
      req.end(body);
      stopEvents = () => req.destroy();
    });
    const due = new Map((await services(['next_check'])).map((s) => [s.name.slice('agent!'.length), s.attrs.next_check as number]));
    const agentPgid = c.agents.agent!.pid;
    const t0 = Date.now() / 1000;
    const cpu0 = groupCpu(agentPgid);
    await new Promise((r) => setTimeout(r, windowSeconds * 1000));
    const cpu1 = groupCpu(agentPgid);
    const t1 = Date.now() / 1000;
    stopEvents();
    const cpuPerMinute = ((cpu1 - cpu0) * 60) / (t1 - t0);
    const inWindow = arrivals.filter((a) => a.at >= t0 && a.at <= t1);
    // Each service's first check after its due time (a check due in the last seconds of the window
    // may not have come back yet: those are left out, not counted as late).
    const latencies: number[] = [];
    for (const [service, when] of due) {
      if (when < t0 || when > t1 - 10) continue;
      const a = inWindow.find((x) => x.service === service && x.cr.execution_start >= when);
      if (a) latencies.push(a.at - when - (a.cr.execution_end - a.cr.execution_start));
    }
    latencies.sort((x, y) => x - y);
    const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
    await cluster.stop();
    cluster = undefined;
    // The baseline: as many bare node starts, their CPU read from our own children's rusage.
    const selfChildrenCpu = () => {
      const f = statFields('/proc/self/stat');
      return (f[13]! + f[14]!) / tick;
    };
    const b0 = selfChildrenCpu();
    for (let i = 0; i < jobs; i++) spawnSync(process.execPath, ['-e', '0'], { stdio: 'ignore', env: BENCH_ENV });
    const nodeCpu = selfChildrenCpu() - b0;
    const note = `${inWindow.length} results in the ${windowSeconds} s window; the agent used ${((cpuPerMinute / 60) * 100).toFixed(0)}% of one core`;
    rows.push({
      case: caseCpu,
      size: '-',
      subject: cpuPerMinute,
      baselineName: `node -e 0 x ${jobs} (CPU)`,
      baseline: nodeCpu,
      ratio: cpuPerMinute / nodeCpu,
      target: 'information',
      met: null,
      peakMiB: null,
      note,
    });
    console.log(
      `${caseCpu}: ${cpuPerMinute.toFixed(1)} CPU s per minute vs node -e 0 x ${jobs} ${nodeCpu.toFixed(1)} CPU s: ratio ${(cpuPerMinute / nodeCpu).toFixed(2)} (${note})`,
    );
    const latNote = `95th percentile of ${latencies.length} checks; median ${pct(0.5).toFixed(3)} s, max ${(latencies.at(-1) ?? NaN).toFixed(3)} s`;
    rows.push({
      case: caseLatency,
      size: '-',
      subject: pct(0.95),
      baselineName: 'check interval',
      baseline: 60,
      ratio: pct(0.95) / 60,
      target: 'information',
      met: null,
      peakMiB: null,
      note: latNote,
    });
    console.log(`${caseLatency}: ${latNote}`);
  } catch (err) {
    const why = (err as Error).message.split('\n')[0];
    console.log(`${caseCpu}: not measured: ${why}`);
    for (const name of [caseCpu, caseLatency]) {
      rows.push({
        case: name,
        size: '-',
        subject: NaN,
        baselineName: '-',
        baseline: NaN,
        ratio: NaN,
        target: 'information',
        met: false,
        peakMiB: null,
        note: `not measured: ${why}`,
      });
    }
  } finally {
    stopEvents();
    await cluster?.stop();
  }
}

async function main() {
  for (const exe of ['env-sync-run', 'check_env_sync']) {
    if (!have(exe)) throw new Error(`${exe} is not runnable: run npm run build first`);
  }
  if (process.env.BENCH_ONLY === 'packages') {
    // The package rows alone (this machine's unpacked package, then each clean root's), printed and
    // not written to docs/benchmarks.md.
    const data = mkdtempSync(join(tmpdir(), 'env-sync-bench-'));
    try {
      installedPackageStartup(data);
      for (const release of RELEASES) await cleanRootPackageStartup(data, release);
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
    return;
  }
  // The typical check on each Node a host may have (20, 22, 24), each against its own `node -e 0`.
  const { nodes, error: nodesError } = benchNodes(root);
  if (nodesError) console.log(`typical check on Node 22 and 24: not measured: ${nodesError}`);
  const data = mkdtempSync(join(tmpdir(), 'env-sync-bench-'));
  console.log(`bench data in ${data}; ${RUNS} runs a case; machine: ${machine()}`);
  try {
    const now = new Date();
    const day = 24 * 3600_000;

    for (const size of SIZES) {
      const bytes = bytesOf(size);
      const dir = join(data, size);
      mkdirSync(dir);
      // Typical: last night's run near the end of syslog.
      const typState = join(dir, 'state-typical');
      mkdirSync(typState);
      const runStart = new Date(now.getTime() - 2 * 3600_000);
      const typRun = makeMarker(typState, JOB, runStart, 1);
      const typLines = jobRunLines({
        job: JOB,
        runId: typRun.runId,
        wrapperPid: typRun.wrapperPid,
        start: runStart,
        end: new Date(runStart.getTime() + 1380_000),
        exit: 1,
      });
      writeSyslog(join(dir, 'syslog'), bytes, new Date(now.getTime() - day), now, typLines);
      writeSyslog(join(dir, 'syslog.1'), bytes, new Date(now.getTime() - 2 * day), new Date(now.getTime() - day), []);
      const checkArgs = (state: string, syslog: string) => [plugin('check_env_sync'), '--job', JOB, '--state-dir', state, '--syslog', syslog, '-t', '120'];
      const [typ, typBase] = measureTogether([{ cmd: checkArgs(typState, join(dir, 'syslog')) }, NODE_BARE], STARTUP_RUNS) as [Measured, Measured];
      row({
        case: 'check, typical (run near end)',
        size,
        subject: typ.wall,
        baselineName: 'node -e 0',
        baseline: typBase.wall,
        target: '<= 1.3',
        limit: 1.3,
        peakMiB: typ.rssKiB / 1024,
        memLimitMiB: 80,
      });
      if (size === SIZES[0]) {
        for (const node of nodes) {
          const [check, ...rest] = checkArgs(typState, join(dir, 'syslog'));
          const cache = codeCacheState(node, check!, rest, BENCH_ENV);
          const [t, b] = measureTogether([{ cmd: [node.bin, check!, ...rest] }, { cmd: [node.bin, '-e', '0'] }], STARTUP_RUNS) as [Measured, Measured];
          row({
            case: `check, typical, on Node ${node.version}`,
            size,
            subject: t.wall,
            baselineName: `its node -e 0`,
            baseline: b.wall,
            target: '<= 1.3',
            limit: 1.3,
            peakMiB: t.rssKiB / 1024,
            memLimitMiB: 80,
            note: cache === 'used' ? undefined : `code cache: ${cache}`,
          });
        }
        if (nodesError)
          rows.push({
            case: 'check, typical, on Node 22 and 24',
            size,
            subject: NaN,
            baselineName: 'its node -e 0',
            baseline: NaN,
            ratio: NaN,
            target: '<= 1.3',
            met: false,
            peakMiB: null,
            note: `not measured: ${nodesError}`,
          });
      }

      // Worst: the run at the very start of syslog.1, so all of syslog and syslog.1 are read.
      const worstDir = join(dir, 'worst');
      mkdirSync(worstDir);
      const worstState = join(worstDir, 'state');
      mkdirSync(worstState);
      const wStart = new Date(now.getTime() - 2 * day);
      const wRun = makeMarker(worstState, JOB, wStart, 1);
      const wLines = jobRunLines({
        job: JOB,
        runId: wRun.runId,
        wrapperPid: wRun.wrapperPid,
        start: wStart,
        end: new Date(wStart.getTime() + 1380_000),
        exit: 1,
      });
      writeSyslog(join(worstDir, 'syslog'), bytes, new Date(now.getTime() - day), now, []);
      writeSyslog(join(worstDir, 'syslog.1'), bytes, wStart, new Date(now.getTime() - day), wLines);
      const bareState = join(worstDir, 'state-unwrapped');
      mkdirSync(bareState);
      const [grep, worst, unwrapped] = measureTogether([
        { cmd: ['grep', '-F', JOB, join(worstDir, 'syslog'), join(worstDir, 'syslog.1')], env: { LC_ALL: 'C' } },
        { cmd: checkArgs(worstState, join(worstDir, 'syslog')) },
        { cmd: checkArgs(bareState, join(worstDir, 'syslog')) },
      ]) as [Measured, Measured, Measured];
      // The ratio target is for 1 GiB; at smaller sizes node's start-up alone is many greps, so only
      // the memory target applies there.
      const ratioLimit = bytes >= 2 ** 30 ? 2 : Infinity;
      const worstTarget = bytes >= 2 ** 30 ? '<= 2, <= 80 MiB' : '<= 80 MiB (ratio: 1G only)';
      row({
        case: 'check, worst (run at start of syslog.1)',
        size,
        subject: worst.wall,
        baselineName: 'LC_ALL=C grep -F',
        baseline: grep.wall,
        target: worstTarget,
        limit: ratioLimit,
        peakMiB: worst.rssKiB / 1024,
        memLimitMiB: 80,
      });
      // Worse still: a job not wrapped yet (no markers), so nothing says where its run is and the
      // check reads both files backwards to the start of syslog.1 looking for the script's own lines.
      row({
        case: 'check, unwrapped job (full read of both files)',
        size,
        subject: unwrapped.wall,
        baselineName: 'LC_ALL=C grep -F',
        baseline: grep.wall,
        target: worstTarget,
        limit: ratioLimit,
        peakMiB: unwrapped.rssKiB / 1024,
        memLimitMiB: 80,
      });
      // An unwrapped job whose last run is only in syslog.3.gz (two missed nights, logrotate twice
      // more): --rotated auto reads back to it; the baseline is zgrep -F over the same four files.
      const backDir = join(dir, 'back');
      mkdirSync(backDir);
      const files = ['syslog', 'syslog.1', 'syslog.2', 'syslog.3'].map((f) => join(backDir, f));
      for (let i = 0; i < 4; i++) {
        const until = new Date(now.getTime() - i * day);
        const lines = i === 3 ? scriptRunLines(JOB, new Date(until.getTime() - day + 3600_000), new Date(until.getTime() - day + 3600_000 + 1380_000), 0) : [];
        writeSyslog(files[i]!, bytes, new Date(until.getTime() - day), until, lines);
      }
      for (const f of files.slice(2)) {
        const z = spawnSync('gzip', ['-6', f]);
        if (z.status !== 0) throw new Error(`gzip ${f} failed (package gzip)`);
      }
      const backState = join(backDir, 'state');
      mkdirSync(backState);
      const [zgrep, back] = measureTogether([
        { cmd: ['zgrep', '-F', `/${JOB}.cfg`, files[0]!, files[1]!, `${files[2]}.gz`, `${files[3]}.gz`], env: { LC_ALL: 'C' } },
        { cmd: checkArgs(backState, files[0]!) },
      ]) as [Measured, Measured];
      row({
        case: 'check, unwrapped job found in syslog.3.gz',
        size,
        subject: back.wall,
        baselineName: 'LC_ALL=C zgrep -F',
        baseline: zgrep.wall,
        target: worstTarget,
        limit: ratioLimit,
        peakMiB: back.rssKiB / 1024,
        memLimitMiB: 80,
      });
      if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
    }

    // Wrapper start-up around a command that does nothing, against Node itself starting `true` with
    // its output on pipes and nothing else (what any wrapper written in Node costs before it does its
    // own work), measured in the same rounds. Target: at most 1.35 times that floor.
    const wState = join(data, 'wrapper-state');
    mkdirSync(wState);
    const spawnFloor: Cmd = { cmd: [process.execPath, '-e', `require('child_process').spawn('true', { stdio: ['inherit', 'pipe', 'pipe'] })`] };
    const FLOOR = 'node alone starting true';
    const [wrapStart, wrapFloor] = measureTogether(
      [{ cmd: [plugin('env-sync-run'), '--no-syslog', '--state-dir', wState, '--job', 'startup', '--', 'true'] }, spawnFloor],
      STARTUP_RUNS,
    ) as [Measured, Measured];
    row({
      case: 'wrapper start-up, --no-syslog (wraps true)',
      size: '-',
      subject: wrapStart.wall,
      baselineName: FLOOR,
      baseline: wrapFloor.wall,
      target: '<= 1.35',
      limit: 1.35,
      peakMiB: wrapStart.rssKiB / 1024,
    });
    // The same with syslog on, as cron runs it: the wrapper's run log goes through logger(1) to a
    // real rsyslogd (a private one, as in the tests).
    let rs: Rsyslog | null = null;
    try {
      rs = await startRsyslog();
    } catch (err) {
      console.log(`wrapper start-up with syslog: not measured: ${(err as Error).message}`);
      rows.push({
        case: 'wrapper start-up, syslog on (wraps true)',
        size: '-',
        subject: NaN,
        baselineName: FLOOR,
        baseline: NaN,
        ratio: NaN,
        target: '<= 1.35',
        met: false,
        peakMiB: null,
        note: 'not measured: rsyslogd missing (apt-get install -y rsyslog)',
      });
    }
    if (rs) {
      try {
        const withSyslog: Cmd = { cmd: [plugin('env-sync-run'), '--state-dir', wState, '--job', 'startup_syslog', '--syslog-socket', rs.socket, '--', 'true'] };
        const [sys, sysFloor] = measureTogether([withSyslog, spawnFloor], STARTUP_RUNS) as [Measured, Measured];
        row({
          case: 'wrapper start-up, syslog on (wraps true)',
          size: '-',
          subject: sys.wall,
          baselineName: FLOOR,
          baseline: sysFloor.wall,
          target: '<= 1.35',
          limit: 1.35,
          peakMiB: sys.rssKiB / 1024,
        });
      } finally {
        await rs.stop();
      }
    }
    // --textfile-dir: the job's textfile written at the start and the end, against the same wrapper without it.
    const textfile = measureTextfileWrapper(plugin('env-sync-run'), data);
    row({
      case: TEXTFILE_CASE,
      size: '-',
      subject: textfile.subject.wall,
      baselineName: TEXTFILE_BASELINE,
      baseline: textfile.baseline.wall,
      target: `<= ${TEXTFILE_LIMIT}`,
      limit: TEXTFILE_LIMIT,
      peakMiB: textfile.subject.rssKiB / 1024,
    });
    const [floor, floorBase] = measureTogether([spawnFloor, NODE_BARE], STARTUP_RUNS) as [Measured, Measured];
    rows.push({
      case: `${FLOOR} (floor)`,
      size: '-',
      subject: floor.wall,
      baselineName: 'node -e 0',
      baseline: floorBase.wall,
      ratio: floor.wall / floorBase.wall,
      target: 'information',
      met: null,
      peakMiB: floor.rssKiB / 1024,
    });

    installedPackageStartup(data);
    for (const release of RELEASES) await cleanRootPackageStartup(data, release);

    // Throughput: 1 GiB of output lines through the wrapper vs the same child piped to cat.
    const gib = bytesOf(process.env.BENCH_THROUGHPUT ?? '1G');
    const producerOf = (bytes: number) => `yes 'pg_restore: processing item 4242 TABLE DATA public.events owner govuk' | head -c ${bytes}`;
    const producer = producerOf(gib);
    const throughWrapper = (bytes: number): Cmd => ({
      cmd: [`${plugin('env-sync-run')} --no-syslog --state-dir ${wState} --job throughput -- sh -c "${producerOf(bytes)}" > /dev/null`],
      shell: true,
    });

    // Node itself piping the same child (no wrapper code): the floor for any wrapper written in Node.
    const nodePipe = `${process.execPath} -e "const c=require('child_process').spawn('sh',['-c',process.argv[1]],{stdio:['ignore','pipe','inherit']});c.stdout.on('data',(b)=>require('fs').writeSync(1,b))" "${producer}"`;
    const [viaCat, viaNode, viaWrapper] = measureTogether(
      [{ cmd: [`${producer} | cat > /dev/null`], shell: true }, { cmd: [`${nodePipe} > /dev/null`], shell: true }, throughWrapper(gib)],
      Math.min(RUNS, 3),
    ) as [Measured, Measured, Measured];
    // Throughput ratio: wrapper throughput / Node's own = Node's time / wrapper time (target >= 0.9).
    const thr = viaNode.wall / viaWrapper.wall;
    rows.push({
      case: 'wrapper throughput, 1 GiB output',
      size: process.env.BENCH_THROUGHPUT ?? '1G',
      subject: viaWrapper.wall,
      baselineName: 'node alone piping the same child',
      baseline: viaNode.wall,
      ratio: thr,
      target: 'throughput >= 0.9 x node',
      met: thr >= 0.9,
      peakMiB: viaWrapper.rssKiB / 1024,
    });
    rows.push({
      case: 'node alone piping the same child (floor)',
      size: process.env.BENCH_THROUGHPUT ?? '1G',
      subject: viaNode.wall,
      baselineName: 'same child piped to cat',
      baseline: viaCat.wall,
      ratio: viaCat.wall / viaNode.wall,
      target: 'information',
      met: null,
      peakMiB: viaNode.rssKiB / 1024,
    });
    console.log(
      `wrapper throughput: ${(gib / 2 ** 20 / viaWrapper.wall).toFixed(0)} MiB/s vs node alone ${(gib / 2 ** 20 / viaNode.wall).toFixed(0)} MiB/s (cat ${(gib / 2 ** 20 / viaCat.wall).toFixed(0)} MiB/s): ratio ${thr.toFixed(2)} (target >= 0.9) peak ${(viaWrapper.rssKiB / 1024).toFixed(1)} MiB`,
    );

    // The same volume of lines that may hold a secret (each has `=`): every chunk of them is
    // redacted (src/common/redact.ts), the worst case for the copies the wrapper keeps.
    rows.push(measureRedactedThroughput(plugin('env-sync-run'), wState));

    // Peak memory flat: an eighth of the output through the same wrapper, peak against peak. Node's
    // heap settles at a size of its own; what must not happen is growth with the volume.
    const small = Math.floor(gib / 8);
    const [viaWrapperSmall] = measureTogether([throughWrapper(small)], Math.min(RUNS, 3)) as [Measured];
    const growthMiB = (viaWrapper.rssKiB - viaWrapperSmall.rssKiB) / 1024;
    rows.push({
      case: `wrapper peak memory, ${(small / 2 ** 20).toFixed(0)} MiB then ${(gib / 2 ** 20).toFixed(0)} MiB of output`,
      size: process.env.BENCH_THROUGHPUT ?? '1G',
      subject: NaN,
      baselineName: 'growth',
      baseline: NaN,
      ratio: NaN,
      target: 'flat: growth <= 16 MiB',
      met: growthMiB <= 16,
      peakMiB: viaWrapper.rssKiB / 1024,
      note: `${(viaWrapperSmall.rssKiB / 1024).toFixed(1)} MiB, then ${(viaWrapper.rssKiB / 1024).toFixed(1)} MiB: ${growthMiB >= 0 ? '+' : ''}${growthMiB.toFixed(1)} MiB`,
    });
    console.log(
      `wrapper peak memory: ${(viaWrapperSmall.rssKiB / 1024).toFixed(1)} MiB for ${(small / 2 ** 20).toFixed(0)} MiB of output, ${(viaWrapper.rssKiB / 1024).toFixed(1)} MiB for ${(gib / 2 ** 20).toFixed(0)} MiB (flat: growth <= 16 MiB)`,
    );

    // 500 jobs: the host-wide check and the status table against one check.
    const manyState = join(data, 'many');
    mkdirSync(manyState);
    const oneRun = readJobState(wState, 'startup', null)!.last!;
    const ctx = (job: string) => ({
      stateDir: manyState,
      job,
      bootId: null,
      holder: { runId: 'bench', pid: process.pid, startTicks: null, bootId: null, host: 'bench', start: now.toISOString() },
    });
    for (let i = 0; i < 500; i++) {
      const job = `job_${String(i).padStart(3, '0')}`;
      recordRun(ctx(job), { ...oneRun, job, runId: `bench-${i}`, outcome: i % 50 === 0 ? 'failure' : 'success', exitCode: i % 50 === 0 ? 1 : 0 });
    }
    const emptySyslog = join(data, 'syslog-small');
    writeSyslog(emptySyslog, 1 << 20, new Date(now.getTime() - day), now, []);
    const oneCmd: Cmd = { cmd: [plugin('check_env_sync'), '--job', 'job_001', '--state-dir', manyState, '--syslog', emptySyslog] };
    for (const [name, cmd] of [
      ['check_env_sync_all, 500 jobs', [plugin('check_env_sync_all'), '--state-dir', manyState, '--syslog', emptySyslog]],
      ['env-sync status, 500 jobs', [plugin('env-sync'), 'status', '--state-dir', manyState, '--syslog', emptySyslog, '--crontab', '/dev/null']],
    ] as const) {
      const exe = cmd[0].slice(cmd[0].lastIndexOf('/') + 1);
      if (!have(exe === 'env-sync' ? 'env-sync' : exe)) {
        console.log(`${name}: ${exe} not built yet — skipped, reported as not measured`);
        rows.push({
          case: name,
          size: '-',
          subject: NaN,
          baselineName: 'one check_env_sync',
          baseline: NaN,
          ratio: NaN,
          target: '<= 3',
          met: false,
          peakMiB: null,
          note: 'not measured: executable missing',
        });
        continue;
      }
      const [m, one] = measureTogether([{ cmd: [...cmd] }, oneCmd], STARTUP_RUNS) as [Measured, Measured];
      row({
        case: name,
        size: '-',
        subject: m.wall,
        baselineName: 'one check_env_sync',
        baseline: one.wall,
        target: '<= 3',
        limit: 3,
        peakMiB: m.rssKiB / 1024,
      });
    }

    manyJobsRows(data);
    await measureIcingaAgentLoad(data);
    await journalRows();
  } finally {
    if (!process.env.BENCH_KEEP) rmSync(data, { recursive: true, force: true });
  }

  const imports = measureImports();
  const table = [
    '| case | size | median | baseline | baseline median | ratio | target | peak RSS | met |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.case} | ${r.size} | ${Number.isFinite(r.subject) ? `${r.subject.toFixed(3)} s` : '-'} | ${r.baselineName} | ${Number.isFinite(r.baseline) ? `${r.baseline.toFixed(3)} s` : '-'} | ${Number.isFinite(r.ratio) ? r.ratio.toFixed(2) : '-'} | ${r.target} | ${r.peakMiB === null ? '-' : `${r.peakMiB.toFixed(1)} MiB`} | ${r.met === null ? '-' : r.met ? 'yes' : 'NO'}${r.note ? ` (${r.note})` : ''} |`,
    ),
  ].join('\n');
  const doc = `# Benchmarks\n\nProduced by \`npm run bench\` (BENCH_SIZES=${SIZES.join(',')}, ${RUNS} runs a case and ${STARTUP_RUNS} for the start-up cases, medians; peak RSS is the largest of the runs, from GNU time).\nRatios compare against baselines measured in the same run, alternating with the subject run by run, because the machines are shared and noisy.\nEvery command runs without NODE_EXTRA_CA_CERTS and NODE_OPTIONS, as under NRPE, Icinga or cron: that variable alone (set on the build machines) adds 38 ms to each node start and would flatter every ratio against \`node -e 0\`.\nRows marked information are floors: what Node itself costs for the same job, with none of our code.\nFor the throughput row the ratio is the wrapper's throughput over Node's own pass-through of the same output (higher is better); the wrapper's start-up is measured against Node alone starting the same command (the floor of any wrapper written in Node), and with --textfile-dir against the same wrapper without it (what writing the job's node_exporter textfile at the start and the end of a run adds; ${TEXTFILE_RUNS} rounds, as it looks for a twentieth of a start).\n\nMachine: ${machine()}\n\n${table}\n\n## What each import costs a start\n\nEach row is a bare \`node -e\` that loads one thing, alternating with \`node -e 0\` (${STARTUP_RUNS} rounds, medians).\n\n${imports.join('\n')}\n`;
  // The notes written by hand below the tables (what a row's numbers mean, runs made alone) stay.
  const docPath = join(root, 'docs', 'benchmarks.md');
  let notes = '';
  try {
    const old = readFileSync(docPath, 'utf8');
    const at = old.indexOf(NOTES_HEADING);
    if (at >= 0) notes = `\n${old.slice(at)}`;
  } catch {
    notes = '';
  }
  writeFileSync(docPath, doc + notes);
  console.log(`\nwrote docs/benchmarks.md`);
}

main().catch((err) => {
  console.error(`bench: ${(err as Error).message}`);
  process.exit(1);
});
