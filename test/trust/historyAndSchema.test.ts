// Security issue 25, finding 10 (the history) and the packaging issue's newer-schema rule: a state
// file whose history holds `null`, a number, or an entry nested 10,000 deep, and one written with a
// schema newer than this version knows. The job's user writes its own markers (a bug, a restored
// backup, a hand edit); the checks run as the monitoring user.
import { expect } from 'chai';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { statePath } from '../../src/markers/paths.js';
import { readJobState } from '../../src/markers/read.js';
import { plugin, run } from '../support/proc.js';
import { startRsyslog, type Rsyslog } from '../support/rsyslog.js';
import { makeTempDir } from '../support/tmp.js';
import { asUser, CHECKER, JOB_USER, jobStateDirIn, withUsers } from '../support/users.js';

const DEEP = 10_000;
const deeplyNested = `${'['.repeat(DEEP)}${']'.repeat(DEEP)}`;

describe('a history entry that is null, not an object, or nested 10,000 deep; a newer marker schema', function () {
  this.timeout(120_000);
  let dir: string;
  let state: string;
  let cleanup: () => void;
  let rs: Rsyslog;
  withUsers(JOB_USER, CHECKER);
  before(async () => {
    rs = await startRsyslog();
  });
  after(async () => {
    await rs?.stop();
  });
  beforeEach(() => {
    ({ dir, cleanup } = makeTempDir());
    state = jobStateDirIn(dir);
  });
  afterEach(() => cleanup());

  const wrapper = (job: string, ...cmd: string[]) =>
    run(...asUser(JOB_USER, 'env', [`ENV_SYNC_SYSLOG_SOCKET=${rs.socket}`, plugin('env-sync-run'), '--state-dir', state, '--job', job, '--', ...cmd]));
  const asChecker = (exe: string, ...args: string[]) =>
    run(...asUser(CHECKER, plugin(exe), [...args, '--state-dir', state, '--syslog', join(dir, 'no-syslog')]));
  /** The job's own state file, as its user could leave it: text written in place of the wrapper's. */
  const rewrite = (job: string, edit: (text: string) => string) => {
    const p = statePath(state, job);
    writeFileSync(p, edit(readFileSync(p, 'utf8')));
    return p;
  };
  const historyWith = (entry: string) => (text: string) => text.replace(/"history": \[/, `"history": [${entry},`);

  const BAD: Array<[string, string, RegExp]> = [
    ['null', 'null', /field history\[0\] \(a run\) is missing or of the wrong type/],
    ['a number', '42', /field history\[0\] \(a run\) is missing or of the wrong type/],
    ['a list nested 10,000 deep', deeplyNested, /field history\[0\] \(a run\) is missing or of the wrong type/],
    ['a run with no outcome', '{"runId":"r-1","start":"2026-11-24T00:18:00Z"}', /field history\[0\]\.outcome is missing or of the wrong type/],
  ];
  for (const [what, entry, problem] of BAD) {
    it(`a history entry that is ${what}: UNKNOWN naming the file (check, status, show); the other jobs show normally; the wrapper sets it aside, says so, and records`, async () => {
      for (const job of ['good', 'bad']) expect((await wrapper(job, 'true')).code).to.equal(0);
      const p = rewrite('bad', historyWith(entry));

      const check = await asChecker('check_env_sync', '--job', 'bad');
      expect(check.code, check.stdout).to.equal(3);
      expect(check.stdout.split('\n')[0]).to.match(new RegExp(`^ENV_SYNC UNKNOWN - bad: ${p}: ${problem.source}; move it away`));

      const status = await asChecker('env-sync', 'status', '--json');
      expect(status.code, status.stderr).to.equal(3);
      const rows = JSON.parse(status.stdout).jobs as Array<{ job: string; stateName: string; summary: string }>;
      expect(rows.map((r) => [r.job, r.stateName])).to.deep.equal([
        ['bad', 'UNKNOWN'],
        ['good', 'OK'],
      ]);
      expect(rows[0]!.summary).to.contain(p).and.match(problem);
      const table = await asChecker('env-sync', 'status');
      expect(table.code, table.stderr).to.equal(3);
      expect(table.stdout)
        .to.match(/\n\S*UNKNOWN\s+bad\s/)
        .and.match(/\n\S*OK\s+good\s/);

      const show = await asChecker('env-sync', 'show', 'bad');
      expect(show.code, show.stderr).to.equal(3);
      expect(show.stdout).to.match(new RegExp(`^ENV_SYNC UNKNOWN - bad: ${p}: ${problem.source}`));
      expect(show.stderr).to.equal('');

      // The wrapper: the file is kept aside (named on stderr and in syslog) and this run is recorded.
      const next = await wrapper('bad', 'sh', '-c', 'exit 4');
      expect(next.code).to.equal(4);
      const aside = readdirSync(join(state, 'bad')).filter((n) => n.startsWith('state.json.corrupt-'));
      expect(aside).to.have.length(1);
      expect(next.stderr)
        .to.contain(`env-sync-run: WARNING: ${p} cannot be read (`)
        .and.contain(`kept it aside as ${p}.${aside[0]!.slice('state.json.'.length)} and started a new state with this run`);
      await rs.waitFor(new RegExp(`event=warning job=bad ${p.replace(/[.]/g, '\\.')} cannot be read`));
      const st = readJobState(state, 'bad', null)!;
      expect([st.last!.outcome, st.last!.exitCode, st.history.length]).to.deep.equal(['failure', 4, 1]);
      expect((await asChecker('check_env_sync', '--job', 'bad')).code).to.equal(2);
    });
  }

  it('a record the wrapper cannot write back (a field of the last success nested 10,000 deep): set aside like a corrupt file, named on stderr, and the run recorded', async () => {
    expect((await wrapper('deep', 'true')).code).to.equal(0);
    // Valid as a run (unknown fields are ignored by readers), but JSON.stringify overflows its stack on it.
    const p = rewrite('deep', (text) => text.replace(/"lastSuccess": \{/, `"lastSuccess": {"junk": ${deeplyNested},`));
    expect((await asChecker('check_env_sync', '--job', 'deep')).code).to.equal(0);
    const next = await wrapper('deep', 'sh', '-c', 'exit 5');
    expect(next.code).to.equal(5);
    expect(next.stderr).to.contain(
      `env-sync-run: WARNING: ${p} holds a record that cannot be written back (nested too deep to serialise); kept it aside as ${p}.corrupt-`,
    );
    expect(readdirSync(join(state, 'deep')).filter((n) => n.startsWith('state.json.corrupt-'))).to.have.length(1);
    expect(readJobState(state, 'deep', null)!.last!.exitCode).to.equal(5);
    // And the run after it is recorded as usual.
    expect((await wrapper('deep', 'true')).code).to.equal(0);
    expect(readJobState(state, 'deep', null)!.history.map((h) => h.outcome)).to.deep.equal(['failure', 'success']);
  });

  it('a state.json of marker schema 99: the wrapper leaves it alone, warns on stderr and in syslog, runs the sync and exits with its status; the check says UNKNOWN', async () => {
    expect((await wrapper('newer', 'true')).code).to.equal(0);
    const p = rewrite('newer', (text) => text.replace(/"schema": 3/, '"schema": 99'));
    const before = readFileSync(p, 'utf8');
    const listing = readdirSync(join(state, 'newer')).sort();

    const r = await wrapper('newer', 'sh', '-c', 'echo synced; exit 3');
    expect(r.code).to.equal(3);
    expect(r.stdout).to.equal('synced\n');
    const warning = `${p} was written with marker schema 99, newer than this env-sync-run understands (3): left alone, and this run is not recorded; the sync runs anyway`;
    expect(r.stderr).to.contain(`env-sync-run: WARNING: ${warning}`);
    await rs.waitFor(new RegExp(`event=warning job=newer ${warning.replace(/[.()]/g, '\\$&')}`));
    expect(readFileSync(p, 'utf8')).to.equal(before);
    expect(readdirSync(join(state, 'newer')).sort()).to.deep.equal(listing);

    const check = await asChecker('check_env_sync', '--job', 'newer');
    expect(check.code).to.equal(3);
    expect(check.stdout).to.equal(
      `ENV_SYNC UNKNOWN - newer: ${p}: was written with marker schema 99, newer than this check understands (3); upgrade env-sync-checks on this host so the checks match the wrapper\n`,
    );
  });
});
