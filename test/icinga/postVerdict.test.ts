import { expect } from 'chai';
import { chmodSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { splitPluginOutput } from '../../src/icinga/passiveResult.js';
import { judgeRun, postRunVerdict } from '../../src/icinga/postVerdict.js';
import { icingaConfig } from '../../src/icinga/postOptions.js';
import { startFakeIcingaApi, type FakeIcingaApi } from '../support/fakeIcingaApi.js';
import { recordFinishedRun, runPlugin, writeCorruptMarker } from '../support/icingaFixtures.js';
import { makeTempDir, stateDirIn } from '../support/tmp.js';
import { makeTestPki, type TestPki } from '../support/tls.js';

describe('icinga passive verdict of a run (postRunVerdict)', function () {
  this.timeout(30_000);
  let tmp: ReturnType<typeof makeTempDir>;
  let pki: TestPki;
  let api: FakeIcingaApi;
  let stateDir = '';
  let syslog = '';
  let passwordFile = '';

  before(function () {
    tmp = makeTempDir('env-sync-verdict-');
    pki = makeTestPki(tmp.dir, 'icinga');
    stateDir = stateDirIn(tmp.dir);
    syslog = join(tmp.dir, 'syslog');
    writeFileSync(syslog, '');
    recordFinishedRun(stateDir, 'pull_failing', 'failure', 1, ['psql: error: connection refused']);
    passwordFile = join(tmp.dir, 'password');
    writeFileSync(passwordFile, 'pw\n');
    chmodSync(passwordFile, 0o600);
  });
  beforeEach(async function () {
    api = await startFakeIcingaApi(pki);
  });
  afterEach(async function () {
    await api.close();
  });
  after(function () {
    tmp.cleanup();
  });

  it('posts exactly what check_env_sync says about the job, to service "env-sync <job>" on this host', async function () {
    const direct = runPlugin('check_env_sync', ['--job', 'pull_failing', '--state-dir', stateDir, '--timeout', '20', '--syslog', syslog]);
    const r = await postRunVerdict(
      { url: `https://127.0.0.1:${api.port}`, user: 'env-sync', passwordFile, caFile: pki.caCert },
      { job: 'pull_failing', stateDir, syslog, executionStart: 1000, executionEnd: 1060 },
    );
    expect(r.ok, r.message).to.equal(true);
    const body = api.seen[0]!.body;
    const expected = splitPluginOutput(direct.stdout);
    expect(body.exit_status).to.equal(direct.status);
    expect(body.plugin_output).to.equal(expected.pluginOutput);
    expect(body.performance_data).to.deep.equal(expected.performanceData);
    expect(body.filter_vars).to.deep.equal({ host_name: hostname(), service_name: 'env-sync pull_failing' });
    expect([body.execution_start, body.execution_end]).to.deep.equal([1000, 1060]);
  });

  it('posts a verdict given by the caller as is, to the --icinga-host/--icinga-service names', async function () {
    const r = await postRunVerdict(
      {
        url: `https://127.0.0.1:${api.port}`,
        user: 'env-sync',
        passwordFile,
        caFile: pki.caCert,
        host: 'db-admin-1',
        service: 'GOV.UK environment sync pull_x',
      },
      { job: 'pull_x', stateDir },
      { exitStatus: 2, text: "ENV_SYNC CRITICAL - failed with exit 1 | 'exit_code'=1\nError running x\n" },
    );
    expect(r.ok, r.message).to.equal(true);
    const body = api.seen[0]!.body;
    expect(body.exit_status).to.equal(2);
    expect(body.plugin_output).to.equal('ENV_SYNC CRITICAL - failed with exit 1\nError running x');
    expect(body.performance_data).to.deep.equal(["'exit_code'=1"]);
    expect(body.filter_vars).to.deep.equal({ host_name: 'db-admin-1', service_name: 'GOV.UK environment sync pull_x' });
  });

  it('judges in-process as check_env_sync does: an unreadable marker is UNKNOWN naming the file', async function () {
    writeCorruptMarker(stateDir, 'pull_corrupt');
    const direct = runPlugin('check_env_sync', ['--job', 'pull_corrupt', '--state-dir', stateDir, '--timeout', '20', '--syslog', syslog]);
    const v = await judgeRun({ job: 'pull_corrupt', stateDir, syslog });
    expect(v.exitStatus).to.equal(3);
    expect(v.text).to.equal(direct.stdout);
    expect(v.text).to.match(/^ENV_SYNC UNKNOWN - pull_corrupt: .*pull_corrupt\/state.json: is not valid JSON/);
  });
});

describe('icinga options of env-sync-run (icingaConfig)', function () {
  it('is off without --icinga-url', function () {
    expect(icingaConfig({})).to.equal(null);
  });
  it('names the missing option', function () {
    expect(String(icingaConfig({ icingaUrl: 'https://i:5665' }))).to.include('--icinga-url needs --icinga-user');
    expect(String(icingaConfig({ icingaUrl: 'https://i:5665', icingaUser: 'u' }))).to.include('needs --icinga-password-file');
    expect(String(icingaConfig({ icingaUser: 'u' }))).to.include('--icinga-user needs --icinga-url');
  });
  it('collects the options', function () {
    expect(icingaConfig({ icingaUrl: 'https://i:5665', icingaUser: 'u', icingaPasswordFile: '/p', icingaCa: '/ca', icingaService: 's' })).to.deep.equal({
      url: 'https://i:5665',
      user: 'u',
      passwordFile: '/p',
      caFile: '/ca',
      host: undefined,
      service: 's',
    });
  });
});
