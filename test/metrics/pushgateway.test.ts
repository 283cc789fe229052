// env-sync-run --pushgateway against Debian's real Pushgateway and Prometheus on 127.0.0.1: what a
// wrapped run pushes at its start and end (the textfile's very facts), the grouping key in the URL,
// the alert rules firing on the pushed facts, and that a Pushgateway that is down, refuses or hangs
// never changes the sync's exit status and never holds the wrapper.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { readJobState, readRunningMarkers } from '../../src/markers/read.js';
import { fifoSync } from '../support/fifo.js';
import { freePort } from '../support/icinga2.js';
import { plugin, repoRoot, run, sleep } from '../support/proc.js';
import { startRsyslog } from '../support/rsyslog.js';
import { makeTempDir, stateDirIn } from '../support/tmp.js';
import { parseExposition, seriesKey, startPrometheus, startPushgateway, type RunningServer } from './prometheusTools.js';

const WRAPPER = plugin('env-sync-run');
const RULES = join(repoRoot, 'prometheus', 'env-sync.rules.yml');
/** Series the Pushgateway adds to every group itself. */
const PUSHGATEWAY_OWN = new Set(['push_time_seconds', 'push_failure_time_seconds']);

/** Polls `probe` until it returns something other than undefined; the wait is for a condition, bounded only as a failure. */
async function pollUntil<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const got = await probe();
      if (got !== undefined) return got;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await sleep(100);
  }
}

describe('metrics: env-sync-run --pushgateway with a real Pushgateway and Prometheus', function () {
  this.timeout(120_000);
  let dir: string;
  let cleanup: () => void;
  let state: string;
  let textDir: string;
  let gateway: RunningServer;
  const stops: Array<() => Promise<void>> = [];

  before(async () => {
    ({ dir, cleanup } = makeTempDir('env-sync-pushgateway-'));
    state = stateDirIn(dir);
    textDir = join(dir, 'textfile');
    mkdirSync(textDir, { mode: 0o755 });
    gateway = await startPushgateway(await freePort());
    stops.push(gateway.stop);
  });
  after(async () => {
    for (const stop of stops.reverse()) await stop();
    cleanup();
  });

  const wrapArgs = (args: string[]) => ['--no-syslog', '--state-dir', state, ...args];
  const wrap = (args: string[], env: NodeJS.ProcessEnv = {}) => run(WRAPPER, wrapArgs(args), { env: { ...process.env, ...env } });

  /** One group's series as the Pushgateway serves them, without its grouping labels and its own series. */
  async function group(instance: string, job: string): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const s of parseExposition(await gateway.get('/metrics'))) {
      const { job: j, instance: i, ...labels } = s.labels;
      if (j !== 'env_sync' || i !== instance || labels.job_name !== job || PUSHGATEWAY_OWN.has(s.name)) continue;
      out.set(seriesKey(s.name, labels), s.value);
    }
    return out;
  }
  const textfile = (job: string) =>
    new Map(parseExposition(readFileSync(join(textDir, `env_sync_${job}.prom`), 'utf8')).map((s) => [seriesKey(s.name, s.labels), s.value]));

  it('at the start the run in progress, at the end exactly the facts of the textfile; the end drops the start of the ended run', async () => {
    const sync = fifoSync(dir);
    const child = spawn(
      WRAPPER,
      wrapArgs(['--pushgateway', gateway.base, '--pushgateway-instance', 'db1', '--textfile-dir', textDir, '--job', 'pull_x', '--', ...sync.command]),
      { stdio: 'ignore' },
    );
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    try {
      const during = await pollUntil('the pushed run in progress', async () => {
        const g = await group('db1', 'pull_x');
        return g.get(seriesKey('env_sync_running', { job_name: 'pull_x' })) === 1 ? g : undefined;
      });
      const marker = readRunningMarkers(state, 'pull_x', null)[0]!;
      expect(during.get(seriesKey('env_sync_running_since_timestamp_seconds', { job_name: 'pull_x' }))).to.equal(Date.parse(marker.start) / 1000);
      expect(during).to.deep.equal(textfile('pull_x'));
    } finally {
      sync.release();
    }
    expect(await exited).to.equal(0);
    const after = await group('db1', 'pull_x');
    expect(after).to.deep.equal(textfile('pull_x'));
    expect(after.get(seriesKey('env_sync_running', { job_name: 'pull_x' }))).to.equal(0);
    expect(after.get(seriesKey('env_sync_last_run_success', { job_name: 'pull_x' }))).to.equal(1);
    expect(after.get(seriesKey('env_sync_last_success_timestamp_seconds', { job_name: 'pull_x' }))).to.equal(
      Date.parse(readJobState(state, 'pull_x', null)!.lastSuccess!.end!) / 1000,
    );
    expect(after.has(seriesKey('env_sync_running_since_timestamp_seconds', { job_name: 'pull_x' }))).to.equal(false);
  });

  it("an instance that is not a plain URL word (a space, a slash) reaches the label as it is (the Pushgateway's @base64 form), from ENV_SYNC_PUSHGATEWAY*", async () => {
    const r = await wrap(['--job', 'pull.y-2', '--', 'true'], { ENV_SYNC_PUSHGATEWAY: gateway.base, ENV_SYNC_PUSHGATEWAY_INSTANCE: 'pod x/1' });
    expect({ code: r.code, stderr: r.stderr }).to.deep.equal({ code: 0, stderr: '' });
    const g = await group('pod x/1', 'pull.y-2');
    expect(g.get(seriesKey('env_sync_last_run_success', { job_name: 'pull.y-2' }))).to.equal(1);
  });

  it('a real Prometheus scraping the Pushgateway with the rules: a job that never succeeded fires the failed-run and never-succeeded alerts, a good job none; a success resolves them', async () => {
    expect((await wrap(['--pushgateway', gateway.base, '--pushgateway-instance', 'pod-a', '--job', 'push_bad', '--', 'sh', '-c', 'exit 3'])).code).to.equal(3);
    expect((await wrap(['--pushgateway', gateway.base, '--pushgateway-instance', 'pod-a', '--job', 'pull_ok', '--', 'true'])).code).to.equal(0);
    const promDir = join(dir, 'prometheus');
    mkdirSync(promDir);
    const prometheus = await startPrometheus(promDir, await freePort(), new URL(gateway.base).host, RULES);
    stops.push(prometheus.stop);
    const firing = async () => {
      const body = JSON.parse(await prometheus.get('/api/v1/alerts')) as { data: { alerts: Array<{ labels: Record<string, string>; state: string }> } };
      return body.data.alerts
        .filter((a) => a.state === 'firing')
        .map((a) => a.labels)
        .sort((a, b) => (a.alertname! < b.alertname! ? -1 : 1));
    };
    const want = ['EnvSyncLastRunFailed', 'EnvSyncNeverSucceeded'].map((alertname) => ({
      alertname,
      instance: 'pod-a',
      job: 'env_sync',
      job_name: 'push_bad',
      severity: 'critical',
    }));
    await pollUntil('both alerts firing', async () => {
      const now = await firing();
      return now.length === want.length ? now : undefined;
    });
    expect(await firing()).to.deep.equal(want);

    expect((await wrap(['--pushgateway', gateway.base, '--pushgateway-instance', 'pod-a', '--job', 'push_bad', '--', 'true'])).code).to.equal(0);
    await pollUntil('the alerts resolved', async () => ((await firing()).length === 0 ? true : undefined));
  });

  it('a Pushgateway that is down: the sync keeps its exit status and its markers; each push (start, end) is one warning, on stderr and in syslog, naming the URL', async () => {
    const rs = await startRsyslog();
    stops.push(rs.stop);
    const down = `http://127.0.0.1:${await freePort()}`;
    const r = await run(WRAPPER, ['--state-dir', state, '--pushgateway', down, '--job', 'pull_down', '--', 'sh', '-c', 'echo through; exit 3'], {
      env: { ...process.env, ENV_SYNC_SYSLOG_SOCKET: rs.socket },
    });
    expect(r.code).to.equal(3);
    expect(r.stdout).to.equal('through\n');
    const said = `run facts not pushed to the Pushgateway ${down}: connection refused by ${new URL(down).host}: is the Pushgateway running there? (--pushgateway); the sync goes on, Prometheus does not see this through it`;
    expect(r.stderr.split('\n').filter(Boolean)).to.deep.equal([`env-sync-run: WARNING: ${said}`, `env-sync-run: WARNING: ${said}`]);
    expect(readJobState(state, 'pull_down', null)!.last!.exitCode).to.equal(3);
    const log = await rs.waitFor(/event=finish job=pull_down/);
    expect(log.split('\n').filter((l) => l.includes('event=warning') && l.includes(said))).to.have.length(2);
  });

  it('a Pushgateway URL the Pushgateway does not serve: the warning gives its HTTP status', async () => {
    const r = await wrap(['--pushgateway', `${gateway.base}/no-such-prefix`, '--job', 'pull_lost', '--', 'true']);
    expect(r.code).to.equal(0);
    expect(r.stderr).to.match(/WARNING: run facts not pushed to the Pushgateway \S+\/no-such-prefix: the Pushgateway answered HTTP 404/);
  });

  it("a Pushgateway that takes the connection and never answers: each push gives up after --pushgateway-timeout, and the run ends with the sync's status", async () => {
    const held: Socket[] = [];
    const server: Server = createServer((s) => {
      held.push(s);
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      // Nothing here answers: without its own bound the wrapper would wait for ever, and the test's timeout would fail it.
      const r = await wrap(['--pushgateway', `http://127.0.0.1:${port}`, '--pushgateway-timeout', '1s', '--job', 'pull_hang', '--', 'sh', '-c', 'exit 4']);
      expect(r.code).to.equal(4);
      const said = `run facts not pushed to the Pushgateway http://127.0.0.1:${port}: no answer from 127.0.0.1:${port} within 1s (--pushgateway-timeout); the sync goes on, Prometheus does not see this through it`;
      expect(r.stderr.split('\n').filter(Boolean)).to.deep.equal([`env-sync-run: WARNING: ${said}`, `env-sync-run: WARNING: ${said}`]);
      expect(held).to.have.length(2);
      expect(readJobState(state, 'pull_hang', null)!.last!.exitCode).to.equal(4);
    } finally {
      for (const s of held) s.destroy();
      await new Promise((r) => server.close(r));
    }
  });
});
