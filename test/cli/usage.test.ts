import { expect } from 'chai';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { plugin, run } from '../support/proc.js';
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
  const UNKNOWN_OPTION: string[][] = [['status'], ['show', 'pull_x'], ['logs', 'pull_x', '--follow'], ['rerun', 'pull_x'], ['config', 'nrpe']];
  for (const words of UNKNOWN_OPTION) {
    it(`env-sync ${words.join(' ')} --bogus: refused, 64`, async () => {
      const r = await run(ENV_SYNC, [...words, '--bogus', ...host()]);
      expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).to.deep.equal({ code: EX_USAGE, stdout: '', stderr: `env-sync: Unknown argument: bogus\n${TRY}` });
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
    expect([none.code, none.stderr]).to.deep.equal([EX_USAGE, `env-sync: give a command: status, show JOB, logs JOB, rerun JOB, config icinga2|nrpe\n${TRY}`]);
    const frob = await run(ENV_SYNC, ['frob']);
    expect([frob.code, frob.stderr]).to.deep.equal([EX_USAGE, `env-sync: Unknown argument: frob\n${TRY}`]);
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
      expect(r.stdout, p).to.match(/^ENV_SYNC UNKNOWN - Unknown argument: bogus/);
    }
    expect((await run(plugin('env-sync-run'), ['--bogus', '--', 'true'])).code).to.equal(125);
  });
});
