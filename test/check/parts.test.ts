import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJobState } from '../../src/markers/read.js';
import { statePath } from '../../src/markers/paths.js';
import { writeFileAtomic } from '../../src/markers/atomicWrite.js';
import { makeTempDir, stateDirIn } from '../support/tmp.js';
import { plugin, run } from '../support/proc.js';

const WRAPPER = plugin('env-sync-run');

describe('jobs run in parts, and the order of a copy and its completion job', function () {
  this.timeout(60_000);
  let dir: string;
  let state: string;
  let cleanup: () => void;
  let sync: string;
  beforeEach(() => {
    ({ dir, cleanup } = makeTempDir());
    state = stateDirIn(dir);
    // A stand-in for env-sync-and-backup's `bash sync production staging`: fails the part named in JOBLIST=mysql-normal.
    sync = join(dir, 'sync');
    writeFileSync(
      sync,
      '#!/bin/sh\necho "syncing $JOBLIST from $1 to $2"\n[ "$JOBLIST" = mysql-normal ] && { echo "ERROR 1045 (28000): Access denied for user" >&2; exit 1; }\nexit 0\n',
      { mode: 0o755 },
    );
  });
  afterEach(() => cleanup());
  const env = () => ({ ...process.env, ENV_SYNC_STATE_DIR: state });
  const part = (p: string) =>
    run(WRAPPER, ['--no-syslog', '--job', 'copy_data_to_staging', '--part', p, '--', 'bash', sync, 'production', 'staging'], { env: { ...env(), JOBLIST: p } });
  const check = (args: string[]) => run(plugin('check_env_sync'), ['--syslog', join(dir, 'syslog'), ...args], { env: env() });

  it('names the failed middle part of three, keeps the others OK, and re-runs only it', async () => {
    expect((await part('assets')).code).to.equal(0);
    expect((await part('mysql-normal')).code).to.equal(1);
    expect((await part('postgresql-backend')).code).to.equal(0);
    const s = readJobState(state, 'copy_data_to_staging', null)!;
    expect(Object.fromEntries(Object.entries(s.parts).map(([k, v]) => [k, v.outcome]))).to.deep.equal({
      assets: 'success',
      'mysql-normal': 'failure',
      'postgresql-backend': 'success',
    });
    // The records here are root's: --user root names the job's user, which a re-run needs.
    const r = await check(['-j', 'copy_data_to_staging', '--user', 'root']);
    expect(r.code).to.equal(2);
    expect(r.stdout.split('\n')[0]).to.match(/part mysql-normal failed with exit 1/);
    expect(r.stdout).not.to.match(/part (assets|postgresql-backend) failed/);
    // The failed part's own exit code and error lines, not the last part's success.
    expect(r.stdout.split('\n')[0]).to.match(/\bexit_code=1\b/);
    expect(r.stdout).to.contain('marker output tail: ERROR 1045 (28000): Access denied for user');
    expect(r.stdout).not.to.contain('syncing postgresql-backend');
    // check_env_sync_order: a copy with a failed part is a failed copy, even once the completion job ran.
    for (const completed of [false, true]) {
      if (completed) await run(WRAPPER, ['--no-syslog', '--job', 'data_sync_complete', '--', 'true'], { env: env() });
      const o = await run(plugin('check_env_sync_order'), ['--first', 'copy_data_to_staging', '--then', 'data_sync_complete'], { env: env() });
      expect(o.code, o.stdout).to.equal(2);
      expect(o.stdout).to.match(
        /^ENV_SYNC CRITICAL - copy_data_to_staging's last copy failed \(part mysql-normal\) with exit 1 at (yesterday )?\d\d:\d\d: the copy is incomplete, whatever data_sync_complete does\n/,
      );
    }
    const reruns = r.stdout.split('\n').filter((l) => l.startsWith('Re-run'));
    const inner = `cd ${process.cwd()} && JOBLIST=mysql-normal ${plugin('env-sync-run')} --job copy_data_to_staging --part mysql-normal --state-dir ${state} -- bash ${sync} production staging`;
    expect(reruns).to.deep.equal([
      `Re-run part mysql-normal: runuser -P -u root -- env -i HOME=/root LOGNAME=root SHELL=/bin/sh PATH=/usr/bin:/bin /bin/sh -c '${inner}'`,
    ]);
    // Re-running just that part, as printed (pasted into a shell, from another directory), clears the verdict.
    writeFileSync(sync, '#!/bin/sh\n[ "$JOBLIST" = mysql-normal ] || exit 9\nexit 0\n', { mode: 0o755 });
    const pasted = await run('sh', ['-c', reruns[0]!.slice(reruns[0]!.indexOf(': ') + 2)], { cwd: '/' });
    expect(pasted.code, pasted.stderr).to.equal(0);
    expect((await check(['-j', 'copy_data_to_staging'])).code).to.equal(0);
  });

  const order = (within = '2h') =>
    run(plugin('check_env_sync_order'), ['--first', 'copy_data_to_staging', '--then', 'data_sync_complete', '--within', within], { env: env() });
  const shift = (job: string, hours: number) => {
    const s = readJobState(state, job, null)!;
    const mv = (r: typeof s.last) =>
      r && {
        ...r,
        start: new Date(Date.parse(r.start) - hours * 3600_000).toISOString(),
        end: r.end && new Date(Date.parse(r.end) - hours * 3600_000).toISOString(),
      };
    writeFileAtomic(statePath(state, job), JSON.stringify({ ...s, last: mv(s.last), lastSuccess: mv(s.lastSuccess) }));
  };

  it('check_env_sync_order: WARNING inside the window, CRITICAL after it, OK once the completion job followed', async () => {
    await run(WRAPPER, ['--no-syslog', '--job', 'data_sync_complete', '--', 'true'], { env: env() });
    shift('data_sync_complete', 30);
    await run(WRAPPER, ['--no-syslog', '--job', 'copy_data_to_staging', '--', 'true'], { env: env() });
    shift('copy_data_to_staging', 1);
    const warn = await order('2h');
    expect(warn.code).to.equal(1);
    expect(warn.stdout).to.match(
      /^ENV_SYNC WARNING - copy_data_to_staging succeeded at .*; waiting for data_sync_complete \(1h of 2h\)\|gap=36\d\d(\.\d+)?s;;7200;0/,
    );
    const status = await run(
      plugin('env-sync'),
      ['status', '--crontab', '/dev/null', '--syslog', join(dir, 'syslog'), '--order', 'copy_data_to_staging:data_sync_complete:2h'],
      { env: env() },
    );
    expect(status.stdout.split('\n')[0]).to.match(/^ORDER WARNING: copy_data_to_staging succeeded at .*; waiting for data_sync_complete/);
    expect(status.code).to.equal(1);
    const json = await run(
      plugin('env-sync'),
      ['status', '--json', '--crontab', '/dev/null', '--syslog', join(dir, 'syslog'), '--order', 'copy_data_to_staging:data_sync_complete'],
      { env: env() },
    );
    expect(JSON.parse(json.stdout).orders).to.deep.include({
      first: 'copy_data_to_staging',
      then: 'data_sync_complete',
      withinSeconds: 7200,
      state: 1,
      stateName: 'WARNING',
      summary: JSON.parse(json.stdout).orders[0].summary,
    });
    const crit = await order('30m');
    expect(crit.code).to.equal(2);
    expect(crit.stdout).to.match(
      /^ENV_SYNC CRITICAL - copy_data_to_staging succeeded at .* but data_sync_complete last ran 1 day ago, before the copy: not followed within 30m/,
    );
    expect(crit.stdout).to.contain('Run data_sync_complete now');
    await run(WRAPPER, ['--no-syslog', '--job', 'data_sync_complete', '--', 'true'], { env: env() });
    const ok = await order('2h');
    expect(ok.code).to.equal(0);
    expect(ok.stdout).to.match(/^ENV_SYNC OK - data_sync_complete followed copy_data_to_staging: .* \(1h later\)\|gap=36\d\d(\.\d+)?s;;7200;0/);
  });

  it('check_env_sync_order refuses bad arguments with UNKNOWN', async () => {
    const r = await run(plugin('check_env_sync_order'), ['--first', 'a/b', '--then', 'x'], { env: env() });
    expect(r.code).to.equal(3);
    expect(r.stdout).to.match(/^ENV_SYNC UNKNOWN - invalid job name/);
    const w = await run(plugin('check_env_sync_order'), ['--first', 'a', '--then', 'b', '--within', 'soon'], { env: env() });
    expect(w.code).to.equal(3);
    expect(w.stdout).to.contain('--within: "soon" is not a duration');
    // The lines quickParse leaves to yargs: help, an unknown option, a repeated one, a stray word.
    const help = await run(plugin('check_env_sync_order'), ['--help'], { env: env() });
    expect(help.code).to.equal(3);
    expect(help.stdout).to.match(/^Usage: check_env_sync_order --first JOB --then JOB/);
    for (const [args, text] of [
      [['--first', 'a', '--then', 'b', '--bogus', 'x'], 'ENV_SYNC UNKNOWN - unknown option --bogus (see check_env_sync_order --help)\n'],
      [['--first', 'a', '--first', 'b', '--then', 'c'], 'ENV_SYNC UNKNOWN - --first is given more than once; give it once\n'],
    ] as const) {
      const r2 = await run(plugin('check_env_sync_order'), [...args], { env: env() });
      expect(r2.code, args.join(' ')).to.equal(3);
      expect(r2.stdout).to.equal(text);
    }
  });
});
