import { expect } from 'chai';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { postCheckResult, splitPluginOutput, type PassiveResultOptions } from '../../src/icinga/passiveResult.js';
import { startFakeIcingaApi, type FakeIcingaApi, type SeenRequest } from '../support/fakeIcingaApi.js';
import { makeTempDir } from '../support/tmp.js';
import { makeTestPki, type TestPki } from '../support/tls.js';

describe('icinga passive result (postCheckResult)', function () {
  this.timeout(30_000);
  let tmp: ReturnType<typeof makeTempDir>;
  let pki: TestPki;
  let otherPki: TestPki;
  let api: FakeIcingaApi;
  let port = 0;
  let seen: SeenRequest[] = [];
  let passwordFile = '';

  before(function () {
    tmp = makeTempDir('env-sync-passive-');
    pki = makeTestPki(tmp.dir, 'icinga');
    otherPki = makeTestPki(tmp.dir, 'other');
    passwordFile = join(tmp.dir, 'password');
    writeFileSync(passwordFile, 's3cret pass\n');
    chmodSync(passwordFile, 0o640);
  });

  beforeEach(async function () {
    api = await startFakeIcingaApi(pki);
    port = api.port;
    seen = api.seen;
  });

  afterEach(async function () {
    await api.close();
  });

  after(function () {
    tmp.cleanup();
  });

  function opts(over: Partial<PassiveResultOptions> = {}): PassiveResultOptions {
    return {
      url: `https://127.0.0.1:${port}`,
      user: 'env-sync',
      passwordFile,
      caFile: pki.caCert,
      host: 'db-admin-1',
      service: 'env-sync pull_x',
      exitStatus: 2,
      pluginOutput: 'ENV_SYNC CRITICAL - failed with exit 1\nError running "x"',
      performanceData: ['age=10s;;', 'exit_code=1'],
      checkSource: 'db-admin-1',
      executionStart: 1795400000,
      executionEnd: 1795400060,
      deadlineMs: 10_000,
      initialBackoffMs: 50,
      ...over,
    };
  }

  it('posts the result over verified TLS with basic auth and the Icinga 2 JSON body', async function () {
    const r = await postCheckResult(opts());
    expect(r.ok, r.message).to.equal(true);
    expect(r.attempts).to.equal(1);
    expect(seen).to.have.length(1);
    const s = seen[0]!;
    expect(s.method).to.equal('POST');
    expect(s.url).to.equal('/v1/actions/process-check-result');
    expect(s.headers['accept']).to.equal('application/json');
    expect(s.headers['authorization']).to.equal('Basic ' + Buffer.from('env-sync:s3cret pass').toString('base64'));
    expect(s.body).to.deep.equal({
      type: 'Service',
      filter: 'host.name==host_name && service.name==service_name',
      filter_vars: { host_name: 'db-admin-1', service_name: 'env-sync pull_x' },
      exit_status: 2,
      plugin_output: 'ENV_SYNC CRITICAL - failed with exit 1\nError running "x"',
      performance_data: ['age=10s;;', 'exit_code=1'],
      check_source: 'db-admin-1',
      execution_start: 1795400000,
      execution_end: 1795400060,
    });
  });

  it('fails without retrying when the certificate is not signed by --icinga-ca', async function () {
    const r = await postCheckResult(opts({ caFile: otherPki.caCert }));
    expect(r.ok).to.equal(false);
    expect(r.attempts).to.equal(1);
    expect(r.message).to.match(/TLS verification of https:\/\/127\.0\.0\.1:\d+ failed/);
    expect(r.message).to.include('--icinga-ca');
    expect(seen).to.have.length(0);
  });

  it('retries a 500 with back-off and succeeds on the next 200', async function () {
    api.answers = [500, 500, 200];
    const r = await postCheckResult(opts());
    expect(r.ok, r.message).to.equal(true);
    expect(r.attempts).to.equal(3);
    expect(seen).to.have.length(3);
  });

  // The budget is kept on a virtual clock that moves only when the poster pauses, so how many
  // attempts fit does not depend on how fast a loaded machine answers: attempts at 0, 8 s and 16 s
  // (the pause doubles up to its 8 s cap), then the 24 s are spent. Each request still has 8 s of
  // real time to be answered in.
  const virtualClock = () => {
    let t = 0;
    return { now: () => t, sleep: async (ms: number) => void (t += ms) };
  };

  it('gives up inside the time budget when the API keeps failing, pausing between attempts', async function () {
    api.answers = [503];
    const clock = virtualClock();
    const r = await postCheckResult(opts({ deadlineMs: 24_000, initialBackoffMs: 8_000, clock }));
    expect(r.ok).to.equal(false);
    expect(r.attempts).to.equal(3);
    expect(api.seen).to.have.length(3);
    expect(clock.now()).to.equal(24_000);
    expect(r.httpStatus).to.equal(503);
    expect(r.message).to.match(/gave up after 3 attempts in 24s/);
  });

  it('retries a refused connection until the budget is spent, then says it cannot reach the API', async function () {
    const closedPort = port;
    await api.close();
    api.close = async () => {};
    const r = await postCheckResult(opts({ url: `https://127.0.0.1:${closedPort}`, deadlineMs: 24_000, initialBackoffMs: 8_000, clock: virtualClock() }));
    expect(r.ok).to.equal(false);
    expect(r.attempts).to.equal(3);
    expect(r.message).to.include(`cannot reach https://127.0.0.1:${closedPort}`);
    expect(r.message).to.include('ECONNREFUSED');
  });

  it('does not retry a 404 and names the service it could not find', async function () {
    api.answers = [404];
    const r = await postCheckResult(opts());
    expect(r.ok).to.equal(false);
    expect(r.attempts).to.equal(1);
    expect(r.message).to.include('Icinga has no service "env-sync pull_x" on host "db-admin-1"');
    expect(r.message).to.include('No objects found.');
  });

  it("repeats the server's reply without its control, escape or bidi characters, one bounded line", async function () {
    api.answers = [403];
    // A clipboard write (OSC 52), hidden text (SGR 8), a C1 CSI, a bidi override, a NUL and a newline.
    api.statusText = `denied\u001b]52;c;ZWNobyBvd25lZA==\u0007 \u001b[8mhidden\u001b[0m \u009b31m\u202egnp.exe\u0000\nsecond line ${'x'.repeat(5000)}`;
    const r = await postCheckResult(opts());
    expect(r.ok).to.equal(false);
    // eslint-disable-next-line no-control-regex
    expect(r.message).not.to.match(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/);
    expect(r.message).to.include('may not submit results (403): denied hidden \\x9b31m\\u202egnp.exe\\x00 second line xxx');
    expect(Buffer.byteLength(r.message)).to.be.below(1200);
  });

  it('says clearly when the password file is missing, without contacting the API', async function () {
    const missing = join(tmp.dir, 'no-such-password');
    const r = await postCheckResult(opts({ passwordFile: missing }));
    expect(r.ok).to.equal(false);
    expect(r.attempts).to.equal(0);
    expect(r.message).to.equal(
      `passive result not posted: --icinga-password-file ${missing} does not exist: create it with the ApiUser's password on its first line`,
    );
    expect(seen).to.have.length(0);
  });

  it('warns about a world-readable password file but still posts', async function () {
    const open = join(tmp.dir, 'open-password');
    writeFileSync(open, 's3cret pass\n');
    chmodSync(open, 0o644);
    const r = await postCheckResult(opts({ passwordFile: open }));
    expect(r.ok, r.message).to.equal(true);
    expect(r.warnings.join('\n')).to.include(`password file ${open} is readable by every user`);
  });

  it('refuses a plain http URL (the password would travel in clear)', async function () {
    const r = await postCheckResult(opts({ url: `http://127.0.0.1:${port}` }));
    expect(r.ok).to.equal(false);
    expect(r.message).to.include('must use https:');
    expect(seen).to.have.length(0);
  });
});

describe('icinga passive result (splitPluginOutput)', function () {
  it('separates summary, long output and perfdata of a plugin text', function () {
    const text = "ENV_SYNC CRITICAL - failed | age=5s;;10 'exit code'=1\nlong line 1\nlong line 2 | duration=3s\nrunning=0\n";
    expect(splitPluginOutput(text)).to.deep.equal({
      pluginOutput: 'ENV_SYNC CRITICAL - failed\nlong line 1\nlong line 2',
      performanceData: ['age=5s;;10', "'exit code'=1", 'duration=3s', 'running=0'],
    });
  });
});
