// Icinga 2 downtimes through a real icinga2's API: a pause's (env-sync pause / resume, one job and
// --all) and a run's (env-sync-run --downtime-services), scheduled, seen in Icinga, then removed;
// after the wrapper is killed the run's downtime still ends by itself; an unreachable API never
// changes the sync's exit status.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startIcinga2, type RunningIcinga2 } from '../support/icinga2.js';
import { plugin, run } from '../support/proc.js';
import { makeTempDir, stateDirIn } from '../support/tmp.js';

const ENV_SYNC = plugin('env-sync');
const WRAPPER = plugin('env-sync-run');

interface Downtime {
  name: string;
  host_name: string;
  service_name: string;
  start_time: number;
  end_time: number;
  author: string;
  comment: string;
}

describe('Icinga 2 downtimes for pauses and runs (a real icinga2 API)', function () {
  this.timeout(180_000);
  let tmp: ReturnType<typeof makeTempDir>;
  let icinga: RunningIcinga2 | undefined;
  let state = '';
  let icingaArgs: string[] = [];

  before(async () => {
    tmp = makeTempDir('env-sync-downtime-');
    state = stateDirIn(tmp.dir);
    const passwordFile = join(tmp.dir, 'icinga-password');
    writeFileSync(passwordFile, 'test-secret-dt\n', { mode: 0o600 });
    const pluginDir = join(tmp.dir, 'plugins');
    mkdirSync(pluginDir);
    const passive = (host: string, svc: string) =>
      `object Service ${JSON.stringify(svc)} {\n  host_name = ${JSON.stringify(host)}\n  check_command = "dummy"\n  enable_active_checks = false\n}\n`;
    icinga = await startIcinga2({
      dir: join(tmp.dir, 'icinga2'),
      pluginDir,
      globalFiles: [],
      masterFiles: [],
      extraMasterConfig: [
        'object Host "sync-host" { check_command = "dummy" }',
        'object Host "db-1" { check_command = "dummy" }',
        passive('sync-host', 'env-sync pull_x'),
        passive('sync-host', 'env-sync pull_y'),
        passive('sync-host', 'env-sync pull_run'),
        passive('sync-host', 'disk'),
        passive('db-1', 'postgres replication'),
      ].join('\n'),
      api: {
        port: await freePort(),
        user: 'env-sync',
        password: 'test-secret-dt',
        permissions: ['actions/schedule-downtime', 'actions/remove-downtime', 'objects/query/Downtime'],
      },
    });
    icingaArgs = [
      '--icinga-url',
      icinga.url,
      '--icinga-user',
      'env-sync',
      '--icinga-password-file',
      passwordFile,
      '--icinga-ca',
      icinga.caCert,
      '--icinga-host',
      'sync-host',
    ];
  });
  after(async () => {
    await icinga?.stop();
    tmp?.cleanup();
  });

  async function downtimes(): Promise<Downtime[]> {
    const r = await icinga!.api('GET', '/v1/objects/downtimes');
    expect(r.status, JSON.stringify(r.json)).to.equal(200);
    return r.json.results.map((x: { name: string; attrs: Downtime }) => ({ ...x.attrs, name: x.name }));
  }
  const on = (all: Downtime[], host: string, service: string) => all.filter((d) => d.host_name === host && d.service_name === service);
  const envSync = (args: string[]) => run(ENV_SYNC, [...args, '--state-dir', state, ...icingaArgs]);

  async function waitFor<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const v = await get();
      if (ok(v)) return v;
      if (Date.now() > deadline) throw new Error(`${what} within 60 s: ${JSON.stringify(v)}\n${icinga!.log().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it("env-sync pause JOB puts the job's service in a downtime that ends with the pause; resume removes it", async () => {
    const p = await envSync(['pause', 'pull_x', '--until', '2h', '--reason', 'DB migration']);
    expect(p.code, p.stderr).to.equal(0);
    expect(p.stderr).to.match(/Icinga: downtime until \S+ for service "sync-host!env-sync pull_x"/);
    const saved = JSON.parse(readFileSync(join(state, 'pull_x', 'pause.json'), 'utf8'));
    const made = on(await downtimes(), 'sync-host', 'env-sync pull_x');
    expect(made).to.have.length(1);
    expect(saved.downtimes).to.deep.equal([made[0]!.name]);
    expect(made[0]!.end_time).to.be.closeTo(Date.parse(saved.until) / 1000, 1);
    expect(made[0]!.author).to.equal('root');
    expect(made[0]!.comment).to.equal('env-sync pause: DB migration');
    expect(on(await downtimes(), 'sync-host', 'env-sync pull_y')).to.deep.equal([]);

    const r = await envSync(['resume', 'pull_x']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.include('Icinga: removed 1 downtime(s)');
    await waitFor('the downtime removed', downtimes, (all) => on(all, 'sync-host', 'env-sync pull_x').length === 0);
  });

  it("--all puts every env-sync service of the host in downtime (not the host's other services); resume --all removes them", async () => {
    const p = await envSync(['pause', '--all', '--until', '1h', '--reason', 'staging rebuilt']);
    expect(p.code, p.stderr).to.equal(0);
    const all = await downtimes();
    expect(on(all, 'sync-host', 'env-sync pull_x')).to.have.length(1);
    expect(on(all, 'sync-host', 'env-sync pull_y')).to.have.length(1);
    expect(on(all, 'sync-host', 'disk')).to.deep.equal([]);
    const r = await envSync(['resume', '--all']);
    expect(r.code, r.stderr).to.equal(0);
    await waitFor('the downtimes removed', downtimes, (d) => d.filter((x) => x.service_name.startsWith('env-sync ')).length === 0);
  });

  it('env-sync-run --downtime-services: the services are in downtime while the sync runs and out of it when it ends, whatever its exit', async () => {
    const go = join(tmp.dir, 'go');
    const started = join(tmp.dir, 'started');
    const child = spawn(
      WRAPPER,
      [
        '--no-syslog',
        '--state-dir',
        state,
        '--job',
        'pull_run',
        ...icingaArgs,
        '--downtime-services',
        'db-1!postgres replication,sync-host!disk',
        '--timeout',
        '10m',
        '--',
        '/bin/sh',
        '-c',
        `touch ${started}; while [ ! -e ${go} ]; do sleep 0.1; done; exit 5`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await waitFor('the sync started', async () => existsSync(started), Boolean);
    const during = await downtimes();
    const db = on(during, 'db-1', 'postgres replication');
    expect(db, stderr).to.have.length(1);
    expect(on(during, 'sync-host', 'disk')).to.have.length(1);
    // Ends by itself should the wrapper be killed: start + --timeout + --kill-after (30s) + 5 min.
    expect(db[0]!.end_time - db[0]!.start_time).to.be.closeTo(600 + 30 + 300, 2);
    expect(db[0]!.comment).to.match(/^env-sync-run: pull_run run \S+ is syncing$/);
    writeFileSync(go, '');
    expect(await exited, stderr).to.equal(5);
    expect(stderr).to.not.match(/WARNING: .*downtime/);
    const after = await downtimes();
    expect(on(after, 'db-1', 'postgres replication')).to.deep.equal([]);
    expect(on(after, 'sync-host', 'disk')).to.deep.equal([]);
  });

  it('a wrapper killed (SIGKILL) during the run leaves a downtime that ends by itself at the bound', async () => {
    const started = join(tmp.dir, 'started-kill');
    const child = spawn(
      WRAPPER,
      [
        '--no-syslog',
        '--state-dir',
        state,
        '--job',
        'pull_run',
        ...icingaArgs,
        '--downtime-services',
        'db-1!postgres replication',
        '--timeout',
        '1m',
        '--kill-after',
        '5s',
        '--',
        '/bin/sh',
        '-c',
        `touch ${started}; exec sleep 600`,
      ],
      { stdio: 'ignore' },
    );
    const exited = new Promise((resolve) => child.on('close', resolve));
    await waitFor('the sync started', async () => existsSync(started), Boolean);
    const before = Date.now() / 1000;
    child.kill('SIGKILL');
    await exited;
    // The sync runs on in its own process group; end it (the test started it).
    const marker = JSON.parse(readFileSync(join(state, 'pull_run', runningFile(state)), 'utf8'));
    process.kill(-marker.childPid, 'SIGKILL');
    const left = on(await downtimes(), 'db-1', 'postgres replication');
    expect(left).to.have.length(1);
    expect(left[0]!.end_time).to.be.greaterThan(before);
    expect(left[0]!.end_time - left[0]!.start_time).to.be.closeTo(60 + 5 + 300, 2);
    const r = await icinga!.api('POST', '/v1/actions/remove-downtime', { type: 'Downtime', downtime: left[0]!.name });
    expect(r.status).to.equal(200);
  });

  it('an unreachable API never stops the sync nor changes its exit status, and says so', async () => {
    const ran = join(tmp.dir, 'ran-unreachable');
    const closed = await freePort();
    const args = icingaArgs.map((a) => (a === icinga!.url ? `https://127.0.0.1:${closed}` : a));
    const r = await run(WRAPPER, [
      '--no-syslog',
      '--state-dir',
      state,
      '--job',
      'pull_run',
      ...args,
      '--downtime-services',
      'db-1!postgres replication',
      '--',
      '/bin/sh',
      '-c',
      `touch ${ran}; exit 4`,
    ]);
    expect(r.code, r.stderr).to.equal(4);
    expect(existsSync(ran)).to.equal(true);
    expect(r.stderr).to.match(
      /env-sync-run: WARNING: no downtime for service "db-1!postgres replication": cannot reach https:\/\/127\.0\.0\.1:\d+: ECONNREFUSED .*; the sync runs/,
    );
  });
});

/** The one running marker in the job's directory. */
function runningFile(state: string): string {
  return readdirSync(join(state, 'pull_run')).find((n) => n.startsWith('running-'))!;
}
