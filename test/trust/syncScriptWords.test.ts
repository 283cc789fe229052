// The redaction rules leave govuk_env_sync.sh's own command lines and output as they are: the
// scoped rules (mysql's -pSECRET, curl's -u, sshpass's -p) do not take the script's own
// `-u <storage url>` and `-p <storage path>`, so its recorded command stays runnable and its lines
// readable. The real script is read from ../shared/govuk-puppet (GOVUK_PUPPET_DIR).
import { expect } from 'chai';
import { chownSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { redactArgv, redactLines, redactText } from '../../src/common/redact.js';
import { govukPuppetFile } from '../support/govukPuppet.js';
import { plugin, run } from '../support/proc.js';
import { makeTempDir, stateDirIn } from '../support/tmp.js';
import { asUser, ensureUser, JOB_USER } from '../support/users.js';

const SCRIPT = '/usr/local/bin/govuk_env_sync.sh';
// How it is run: by Puppet's cron line (task.pp's shellquote list), and by hand with the options of
// its usage(), for each DBMS, with a storage url given bare or as s3://, and storage paths.
const INVOCATIONS: string[][] = [
  [
    '/usr/bin/ionice',
    '-c',
    '2',
    '-n',
    '6',
    '/usr/local/bin/with_reboot_lock',
    'env-sync_pull_whitehall_mysql',
    '/usr/bin/envdir',
    '/etc/govuk_env_sync/env.d',
    SCRIPT,
    '-f',
    '/etc/govuk_env_sync/pull_whitehall_mysql.cfg',
  ],
  ...['mysql', 'postgresql', 'mongo', 'elasticsearch'].flatMap((dbms) =>
    ['govuk-integration-database-backups', 's3://govuk-integration-database-backups'].map((url) => [
      SCRIPT,
      '-a',
      'push',
      '-D',
      dbms,
      '-S',
      's3',
      '-T',
      '/var/lib/govuk_env_sync',
      '-d',
      'whitehall_production',
      '-H',
      'whitehall-mysql',
      '-u',
      url,
      '-p',
      dbms,
      '-t',
      '2026-12-07T00:18:00',
    ]),
  ),
  [
    SCRIPT,
    '-a',
    'pull',
    '-D',
    'mysql',
    '-S',
    's3',
    '-T',
    '/tmp',
    '-d',
    'signon_production',
    '-H',
    'db',
    '-u',
    's3://bucket/with/path',
    '-p',
    'mysql/signon',
    '-s',
    '/etc/govuk_env_sync/transformation_sql/signon.sql',
    '-F',
    '/etc/x.sql',
  ],
];

describe("redaction and govuk_env_sync.sh's own words", function () {
  this.timeout(60_000);

  it('its command lines, as recorded in a marker and as cron runs them, are left whole (none holds a secret)', () => {
    for (const argv of INVOCATIONS) {
      expect(redactArgv(argv), argv.join(' ')).to.deep.equal(argv);
      expect(redactText(argv.join(' '))).to.equal(argv.join(' '));
    }
    const cron = `18 0 * * * ${INVOCATIONS[0]!.join(' ')}`;
    expect(redactText(cron)).to.equal(cron);
  });

  it('every line of the script (its commands, as its error trap prints BASH_COMMAND, and its log lines) is left whole, except those that pass the DocumentDB password', () => {
    const text = govukPuppetFile('govuk_env_sync.sh').toString('utf8');
    const changed = text.split('\n').filter((l) => redactText(l) !== l);
    expect(changed.length).to.be.greaterThan(0);
    for (const l of changed) expect(l, l).to.match(/passw/i);
    // Lines that hold -u, -p and s3:// are among those left whole.
    const unchanged = text.split('\n').filter((l) => redactText(l) === l);
    for (const needle of ['aws s3 cp', 'mysqldump -u', 'mktemp --directory -p', 'mkdir -p', 's3://'])
      expect(
        unchanged.some((l) => l.includes(needle)),
        needle,
      ).to.equal(true);
    // The block path (the wrapper's) agrees with the line path over the whole script.
    expect(redactLines(text)).to.equal(text.split('\n').map(redactText).join('\n'));
  });

  it("run by the wrapper as the job's user, its command and output are kept as they were: the marker holds the same argv and output lines", async () => {
    const { dir, cleanup } = makeTempDir();
    const job = ensureUser(JOB_USER);
    try {
      const state = stateDirIn(dir);
      chownSync(state, job.uid, job.gid);
      // A stand-in for the script that prints what the real one logs for a failed mysql push (its
      // log() lines, with the variables filled in) and fails as it would.
      const stub = join(dir, 'govuk_env_sync.sh');
      const argv = [stub, ...INVOCATIONS[1]!.slice(1)];
      const lines = [
        `2026-12-07T00:18:00: Starting "${argv.join(' ')}"`,
        '2026-12-07T00:18:01: Running mysqldump...',
        `2026-12-07T00:18:05: Error running "${argv.join(' ')}" in function dump_mysql on line 475 executing "sudo -H mysqldump -u "$DB_USER" --single-transaction --quick "\${database}" | gzip > "\${tempdir}/\${filename}""`,
        '2026-12-07T00:18:05: Upload to s3://govuk-integration-database-backups/mysql/2026-12-07T00:18:00-whitehall_production.gz...',
        'CRITICAL: govuk_env_sync.sh push whitehall_production: s3://govuk-integration-database-backups/mysql/ <-> mysql',
      ];
      writeFileSync(stub, `#!/bin/sh\ncat <<'EOF'\n${lines.join('\n')}\nEOF\nexit 1\n`, { mode: 0o755 });
      const [cmd, args] = asUser(JOB_USER, plugin('env-sync-run'), ['--no-syslog', '--state-dir', state, '--job', 'push_whitehall', '--', ...argv]);
      const r = await run(cmd, args);
      expect(r.code, r.stderr).to.equal(1);
      expect(r.stdout).to.equal(`${lines.join('\n')}\n`);
      const marker = JSON.parse(readFileSync(join(state, 'push_whitehall', 'state.json'), 'utf8')) as { last: { argv: string[]; output: { tail: string[] } } };
      expect(marker.last.argv).to.deep.equal(argv);
      expect(marker.last.output.tail).to.deep.equal(lines);
    } finally {
      cleanup();
      job.remove();
    }
  });
});
