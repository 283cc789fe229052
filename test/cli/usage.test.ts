import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { editDistance, nearestNames } from '../../src/common/nearest.js';
import { asNobody, plugin, run } from '../support/proc.js';
import { makeTempDir, stateDirIn } from '../support/tmp.js';

const ENV_SYNC = plugin('env-sync');
const EX_USAGE = 64;
const TRY = "Try 'env-sync --help'.\n";

describe('env-sync usage errors exit 64 (EX_USAGE), never a state', function () {
  this.timeout(60_000);
  let dir: string;
  let cleanup: () => void;
  let state: string;
  let syslog: string;
  before(() => {
    ({ dir, cleanup } = makeTempDir());
    state = stateDirIn(dir);
    syslog = join(dir, 'syslog');
    writeFileSync(syslog, '');
  });
  after(() => cleanup());
  const host = () => ['--state-dir', state, '--syslog', syslog];

  // Every command; logs with --follow, which would otherwise wait for ever.
  const UNKNOWN_OPTION: string[][] = [
    ['status'],
    ['show', 'pull_x'],
    ['logs', 'pull_x', '--follow'],
    ['rerun', 'pull_x'],
    ['config', 'nrpe'],
    ['metrics'],
    ['running'],
    ['running', 'pull_x'],
  ];
  for (const words of UNKNOWN_OPTION) {
    it(`env-sync ${words.join(' ')} --bogus: refused, 64`, async () => {
      const r = await run(ENV_SYNC, [...words, '--bogus', ...host()]);
      expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).to.deep.equal({
        code: EX_USAGE,
        stdout: '',
        stderr: `env-sync: unknown option --bogus\n${TRY}`,
      });
    });
  }

  const BAD: Array<[string[], RegExp]> = [
    [['show'], /^env-sync: Missing required argument: job\n/],
    [['logs'], /^env-sync: Missing required argument: job\n/],
    [['rerun'], /^env-sync: Missing required argument: job\n/],
    [['config'], /^env-sync: Missing required argument: kind\n/],
    [['config', 'yaml'], /^env-sync: Invalid values:\n {2}Argument: kind, Given: "yaml"/],
    [['show', 'a/b'], /^env-sync: invalid job name: "a\/b" would name a path; .* \(env-sync show JOB\)\n$/],
    [['status', '--rotated', 'x'], /^env-sync: --rotated: "x" must be a whole number from 0 to 30\n/],
    [['status', '--order', 'copy_data_to_staging'], /^env-sync: --order "copy_data_to_staging": use FIRST:THEN\[:WITHIN\]/],
    [['status', '--order', 'a:b:soon'], /^env-sync: --order: "soon" is not a duration/],
    [['rerun', 'pull_x', '--exec', '--dry-run'], /^env-sync: --exec and --dry-run: give one of them\n$/],
  ];
  for (const [words, message] of BAD) {
    it(`env-sync ${words.join(' ') || '(nothing)'}: 64 and what to give`, async () => {
      const r = await run(ENV_SYNC, [...words, ...host()]);
      expect(r.code, r.stderr).to.equal(EX_USAGE);
      expect(r.stdout).to.equal('');
      expect(r.stderr).to.match(message);
    });
  }

  it('env-sync with no command, or an unknown one: 64', async () => {
    const none = await run(ENV_SYNC, []);
    expect(none.code).to.equal(EX_USAGE);
    expect(none.stderr)
      .to.match(/^env-sync: give a command: status, show JOB, logs JOB, /)
      .and.to.match(new RegExp(`\n${TRY}$`));
    const frob = await run(ENV_SYNC, ['frob']);
    expect([frob.code, frob.stderr]).to.deep.equal([
      EX_USAGE,
      `env-sync: unknown command frob (the commands: status, show, logs, rerun, config, metrics, pause, resume, running)\n${TRY}`,
    ]);
  });

  it('offers the command, the option and the job a typo was near (did you mean), exiting 64', async () => {
    const stauts = await run(ENV_SYNC, ['stauts', ...host()]);
    expect([stauts.code, stauts.stderr]).to.deep.equal([
      EX_USAGE,
      `env-sync: unknown command stauts; did you mean status? (the commands: status, show, logs, rerun, config, metrics, pause, resume, running)\n${TRY}`,
    ]);
    const option = await run(ENV_SYNC, ['status', '--stat-dir', state]);
    expect([option.code, option.stderr]).to.deep.equal([EX_USAGE, `env-sync: unknown option --stat-dir; did you mean --state-dir?\n${TRY}`]);
    mkdirSync(join(state, 'pull_content_data_admin_production_daily'), { recursive: true });
    for (const command of ['show', 'rerun']) {
      const r = await run(ENV_SYNC, [command, 'pull_content_data_admin_productoin_daily', '--user', 'root', '--crontab', '/dev/null', ...host()]);
      expect(r.code, `${command}: ${r.stderr}`).to.equal(EX_USAGE);
      expect(r.stdout, command).to.equal('');
      expect(r.stderr, command).to.match(
        /^env-sync: unknown job pull_content_data_admin_productoin_daily: .*; did you mean pull_content_data_admin_production_daily\?/,
      );
    }
  });

  it('check_env_sync -j with a typo keeps the state --missing chooses and names the jobs near it', async () => {
    mkdirSync(join(state, 'pull_content_data_admin_production_daily'), { recursive: true });
    const r = await run(plugin('check_env_sync'), ['-j', 'pull_content_data_admin_productoin_daily', ...host()]);
    expect(r.code).to.equal(2);
    expect(r.stdout).to.match(/^ENV_SYNC CRITICAL - pull_content_data_admin_productoin_daily: no record of this job/);
    expect(r.stdout).to.contain('No job of that name here; did you mean pull_content_data_admin_production_daily?');
    const warn = await run(plugin('check_env_sync'), ['-j', 'pull_content_data_admin_productoin_daily', '--missing', 'warning', ...host()]);
    expect(warn.code).to.equal(1);
  });

  it('names the plugin option a typo was near, once (not again in camelCase), as UNKNOWN', async () => {
    const r = await run(plugin('check_env_sync'), ['-j', 'pull_x', '--max-agee', '26h', ...host()]);
    expect([r.code, r.stdout]).to.deep.equal([3, 'ENV_SYNC UNKNOWN - unknown option --max-agee; did you mean --max-age? (see check_env_sync --help)\n']);
  });

  it('refuses a bad --order before reading the host (a state directory that is a file is never reached)', async () => {
    const notADir = join(dir, 'state-is-a-file');
    writeFileSync(notADir, '');
    const r = await run(ENV_SYNC, ['status', '--order', 'nocolon', '--state-dir', notADir, '--syslog', syslog]);
    expect(r.code).to.equal(EX_USAGE);
    expect(r.stderr).to.contain('--order "nocolon"').and.not.to.contain(notADir);
  });

  it('refuses an unknown option of rerun --exec before running anything', async () => {
    const crontab = join(dir, 'crontab-touch');
    const touched = join(dir, 'touched');
    writeFileSync(crontab, `# Puppet Name: pull_touch\n0 0 * * * touch ${touched}\n`);
    const r = await run(ENV_SYNC, ['rerun', 'pull_touch', '--exec', '--user', 'root', '--crontab', crontab, '--bogus', ...host()]);
    expect(r.code).to.equal(EX_USAGE);
    expect(existsSync(touched)).to.equal(false);
  });

  it('leaves the plugins at UNKNOWN (3) and the wrapper at 125 for theirs', async () => {
    for (const p of ['check_env_sync', 'check_env_sync_all', 'check_env_sync_order']) {
      const r = await run(plugin(p), ['--bogus']);
      expect(r.code, p).to.equal(3);
      expect(r.stdout, p).to.match(/^ENV_SYNC UNKNOWN - unknown option --bogus/);
    }
    expect((await run(plugin('env-sync-run'), ['--bogus', '--', 'true'])).code).to.equal(125);
  });
});

describe('env-sync logs of a job the host does not know', function () {
  this.timeout(60_000);
  let dir: string;
  let cleanup: () => void;
  let state: string;
  let syslog: string;
  let crontab: string;
  before(() => {
    ({ dir, cleanup } = makeTempDir());
    state = stateDirIn(dir);
    mkdirSync(join(state, 'pull_content_data_admin_production_daily'));
    mkdirSync(join(state, 'push_attachments_staging'));
    syslog = join(dir, 'syslog');
    // An unwrapped job that no crontab given here names: known by its own lines.
    writeFileSync(
      syslog,
      '2026-11-24T00:18:00.100000+00:00 db1 govuk_env_sync.sh: Starting "/usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_unlisted.cfg"\n',
    );
    crontab = join(dir, 'crontab');
    writeFileSync(crontab, '# Puppet Name: pull_quiet\n5 5 * * * /usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_quiet.cfg\n');
  });
  after(() => cleanup());
  const logs = (job: string, ...more: string[]) =>
    spawnSync(ENV_SYNC, ['logs', job, '--state-dir', state, '--syslog', syslog, ...more], { encoding: 'utf8', timeout: 50_000 });

  it('says a misspelt job is unknown, offers the nearest names and exits 64', () => {
    const r = logs('pull_content_data_admin_productoin_daily');
    expect(r.status).to.equal(EX_USAGE);
    expect(r.stdout).to.equal('');
    expect(r.stderr).to.match(
      new RegExp(
        `^env-sync: unknown job pull_content_data_admin_productoin_daily: not in ${state} \\(no job directory\\), not in the job inventory, and no line of it in ${syslog}; did you mean pull_content_data_admin_production_daily\\?`,
      ),
    );
  });

  it('with --follow, refuses at once rather than wait for ever', () => {
    const r = logs('push_attachment_staging', '--follow');
    expect(r.signal, 'still following after 50 s').to.equal(null);
    expect(r.status).to.equal(EX_USAGE);
    expect(r.stderr).to.contain('did you mean push_attachments_staging?');
  });

  it('says where the jobs are listed when nothing is near', () => {
    const r = logs('zzz');
    expect(r.status).to.equal(EX_USAGE);
    expect(r.stderr).to.contain('; env-sync status lists the jobs (unwrapped jobs not seen: no crontab given and there is no job inventory');
  });

  it('prints the lines of a job known only by its lines in syslog', () => {
    const r = logs('pull_unlisted');
    expect(r.status).to.equal(0);
    expect(r.stdout).to.contain('pull_unlisted.cfg');
  });

  it('takes a quiet job the host lists (job directory, crontab, job inventory) as known: no lines, exit 0', () => {
    const dirJob = logs('push_attachments_staging');
    expect([dirJob.status, dirJob.stdout, dirJob.stderr]).to.deep.equal([
      0,
      '',
      `env-sync: no line of push_attachments_staging in ${syslog} (--follow waits for its next ones)\n`,
    ]);
    expect(logs('pull_quiet').status).to.equal(EX_USAGE);
    expect(logs('pull_quiet', '--crontab', crontab).status).to.equal(0);
    // The inventory env-sync config writes (as root) lists the crontab's jobs for users who cannot read it.
    const inv = spawnSync(ENV_SYNC, ['config', 'inventory', '--crontab', crontab, '--state-dir', state], { encoding: 'utf8' });
    expect(inv.status, inv.stderr).to.equal(0);
    expect(logs('pull_quiet').status).to.equal(0);
  });

  it('does not call a job unknown when syslog could not be read (as nobody)', () => {
    const closed = join(dir, 'closed');
    mkdirSync(closed);
    writeFileSync(join(closed, 'syslog'), '');
    chmodSync(join(closed, 'syslog'), 0o600);
    const [cmd, args] = asNobody(ENV_SYNC, ['logs', 'pull_typo', '--state-dir', state, '--syslog', join(closed, 'syslog')]);
    const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 50_000 });
    expect(r.stderr)
      .to.contain(`cannot read ${join(closed, 'syslog')} (EACCES)`)
      .and.not.to.contain('unknown job');
  });
});

describe('nearest names', () => {
  const JOBS = ['pull_content_data_admin_production_daily', 'push_attachments_staging', 'copy_data_to_staging', 'data_sync_complete'];
  const ROWS: Array<[string, string[]]> = [
    ['push_attachmnets_staging', ['push_attachments_staging']],
    ['copy_data_to_stagin', ['copy_data_to_staging']],
    ['pull_content', ['pull_content_data_admin_production_daily']],
    ['staging', ['copy_data_to_staging', 'push_attachments_staging']],
    ['Data_Sync_Complete', ['data_sync_complete']],
    ['nightly_backup', []],
    ['ab', []],
  ];
  for (const [word, near] of ROWS) it(`${word}: ${near.join(', ') || 'none'}`, () => expect(nearestNames(word, JOBS)).to.deep.equal(near));
  it('counts a swap of neighbours as one edit', () => {
    expect(editDistance('ab', 'ba')).to.equal(1);
    expect(editDistance('kitten', 'sitting')).to.equal(3);
    expect(editDistance('', 'abc')).to.equal(3);
  });
});
