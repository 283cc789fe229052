import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCrontab } from '../../src/cron/crontab.js';
import { rerunScript } from '../../src/cron/rerun.js';
import { splitWords } from '../../src/cron/words.js';
import { readRunningMarkers } from '../../src/markers/read.js';
import { frozenClock } from '../support/faketime.js';
import { makeTempDir, stateDirIn } from '../support/tmp.js';
import { fixture, plugin, repoRoot, run, sleep, syslogStamp, waitUntil } from '../support/proc.js';
import { DEFAULT_USER, withoutUser } from '../support/withoutUser.js';

const CRONTAB = fixture('crontab.govuk-backup');
const ENV_SYNC = plugin('env-sync');
// The fixtures' records are root's: env-sync (whose default --user is govuk-backup) runs as on a host
// without that user, whatever this machine has.
const envSync = (args: string[], opts: Parameters<typeof run>[2] = {}) => run(...withoutUser(DEFAULT_USER, ENV_SYNC, args), opts);
const ALL = plugin('check_env_sync_all');
const WRAPPER = plugin('env-sync-run');

describe('crontab lines of govuk-backup', () => {
  const jobs = parseCrontab(readFileSync(CRONTAB, 'utf8'));
  it('finds the sync jobs with their schedules and leaves other lines out', () => {
    expect(jobs.map((j) => [j.job, j.schedule])).to.deep.equal([
      ['pull_content_data_admin_production_daily', '18 0 * * *'],
      ['pull_publishing_api_production_daily', '30 1 * * *'],
      ['push_attachments_staging', '0 0 * * *'],
      ['pull_wrapped', '45 2 * * 1-5'],
      ['piped', '0 4 * * *'],
    ]);
    expect(jobs.find((j) => j.job === 'pull_wrapped')!.wrapped).to.equal(true);
    expect(jobs[0]!.puppetName).to.equal('pull_content_data_admin_production_daily');
  });
  const T = { stateDir: '/var/lib/env-sync', defaultStateDir: '/var/lib/env-sync', envSyncRun: '/usr/bin/env-sync-run' };
  const RERUN: Array<[string, string]> = [
    // New form: with_reboot_lock with a lock name; envdir kept, env-sync-run after envdir.
    [
      'pull_content_data_admin_production_daily',
      '/usr/bin/envdir /etc/govuk_env_sync/env.d /usr/bin/env-sync-run --job pull_content_data_admin_production_daily -- /usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_content_data_admin_production_daily.cfg',
    ],
    // Old form: with_reboot_lock directly followed by the command.
    [
      'pull_publishing_api_production_daily',
      '/usr/bin/envdir /etc/govuk_env_sync/env.d /usr/bin/env-sync-run --job pull_publishing_api_production_daily -- /usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_publishing_api_production_daily.cfg',
    ],
    // No ionice, no envdir.
    [
      'push_attachments_staging',
      '/usr/bin/env-sync-run --job push_attachments_staging -- /usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/push_attachments_staging.cfg',
    ],
    // Already wrapped: kept as it is.
    [
      'pull_wrapped',
      '/usr/bin/envdir /etc/govuk_env_sync/env.d /usr/local/bin/env-sync-run --timeout 6h -- /usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_wrapped.cfg',
    ],
    // A pipe stays sh text: the first command of it is wrapped.
    ['piped', '/usr/bin/env-sync-run --job piped -- /usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/piped.cfg | tee -a /tmp/log'],
  ];
  for (const [job, cmd] of RERUN) {
    it(`re-runs ${job} as sh text without ionice and with_reboot_lock, with env-sync-run`, () => {
      expect(rerunScript(jobs.find((j) => j.job === job)!, { ...T, job })).to.deep.equal({ script: cmd });
    });
  }
  it('keeps VAR=value words, ~/ and quotes as sh text, and a non-default state directory', () => {
    expect(
      rerunScript(
        { command: "PGHOST=db1 /usr/local/bin/with_reboot_lock env-sync_x ~/bin/govuk_env_sync.sh -f '/etc/govuk_env_sync/x.cfg' 2>&1" },
        { ...T, job: 'x', stateDir: '/srv/state' },
      ),
    ).to.deep.equal({
      script: "PGHOST=db1 /usr/bin/env-sync-run --job x --state-dir /srv/state -- ~/bin/govuk_env_sync.sh -f '/etc/govuk_env_sync/x.cfg' 2>&1",
    });
    expect(rerunScript({ command: '/usr/local/bin/env-sync-run --job x -- sync' }, { ...T, job: 'x', stateDir: '/srv/state' })).to.deep.equal({
      script: '/usr/local/bin/env-sync-run --state-dir /srv/state --job x -- sync',
    });
  });
  it('splits words like sh and notices shell operators', () => {
    expect(splitWords(`a 'b c' "d \\"e\\"" f\\ g`)).to.deep.include({ words: ['a', 'b c', 'd "e"', 'f g'], shellOperator: null });
    expect(splitWords('a && b').shellOperator).to.equal('&');
    expect(splitWords('a "$(x)"').shellOperator).to.equal('$');
    expect(splitWords('date +%s').shellOperator).to.equal('%');
  });
});

describe('env-sync and check_env_sync_all on real markers', function () {
  this.timeout(60_000);
  let dir: string;
  let state: string;
  let cleanup: () => void;
  let longRun: ReturnType<typeof spawn> | null = null;
  before(async () => {
    ({ dir, cleanup } = makeTempDir());
    state = stateDirIn(dir);
    writeFileSync(join(dir, 'syslog'), '');
    const env = { ...process.env, ENV_SYNC_STATE_DIR: state };
    // One job failing, one running, one that never ran (only in the crontab).
    await run(WRAPPER, ['--no-syslog', '--job', 'pull_content_data_admin_production_daily', '--', 'sh', '-c', 'echo restore failed >&2; exit 3'], { env });
    await run(WRAPPER, ['--no-syslog', '--job', 'push_attachments_staging', '--', 'true'], { env });
    await run(WRAPPER, ['--no-syslog', '--job', 'push_attachments_staging', '--', 'true'], { env });
    longRun = spawn(WRAPPER, ['--no-syslog', '--job', 'pull_publishing_api_production_daily', '--', 'sleep', '60'], { env, stdio: 'ignore' });
    await waitUntil('running marker', () => readRunningMarkers(state, 'pull_publishing_api_production_daily', null).some((m) => m.childPid));
    writeFileSync(
      join(dir, 'crontab'),
      readFileSync(CRONTAB, 'utf8')
        .split('\n')
        .filter((l) => !/pull_wrapped|piped/.test(l))
        .join('\n'),
    );
  });
  after(async () => {
    if (longRun) {
      const child = readRunningMarkers(state, 'pull_publishing_api_production_daily', null)[0]?.childPid;
      longRun.kill('SIGTERM');
      await new Promise((r) => longRun!.once('exit', r));
      if (child) spawnSync('kill', ['-9', String(child)]);
    }
    cleanup();
  });
  const common = () => ['--state-dir', state, '--syslog', join(dir, 'syslog'), '--crontab', join(dir, 'crontab')];
  // For the host-wide views: whether this machine's cron runs is not what these tests judge
  // (test/check/schedulerFacts.test.ts is).
  const hostWide = () => [...common(), '--scheduler', 'none'];

  it('check_env_sync_all: worst state wins, counts in the summary, one line and perfdata per job', async () => {
    const r = await run(ALL, hostWide());
    expect(r.code).to.equal(2);
    const [first, ...long] = r.stdout.trim().split('\n');
    expect(first).to.match(
      /^ENV_SYNC CRITICAL - 3 jobs: 1 CRITICAL \(pull_content_data_admin_production_daily\), 1 WARNING \(pull_publishing_api_production_daily\)|^ENV_SYNC CRITICAL - 3 jobs: 1 CRITICAL \(pull_content_data_admin_production_daily\), 2 OK/,
    );
    expect(first).to.match(/1 running/);
    expect(first).to.contain('pull_content_data_admin_production_daily_failures=1;;;0');
    expect(first).to.match(/push_attachments_staging_age=[0-9.]+s;;;0/);
    expect(long[0]).to.match(/^\[CRITICAL\] pull_content_data_admin_production_daily failed with exit 3/);
    expect(long.some((l) => /^\[OK\] pull_publishing_api_production_daily running since/.test(l))).to.equal(true);
    expect(long.some((l) => /^\[OK\] push_attachments_staging last run succeeded/.test(l))).to.equal(true);
  });

  it('check_env_sync_all names an unknown --user as UNKNOWN with the fix, not as an internal error', async () => {
    const r = await run(ALL, [...common(), '--user', 'no-such-user-here']);
    expect(r.code).to.equal(3);
    expect(r.stdout).to.equal('ENV_SYNC UNKNOWN - --user: no user "no-such-user-here" on this host; name the user the job runs as (e.g. govuk-backup)\n');
  });

  it('check_env_sync_all reports a job that never ran (crontab only) with --missing', async () => {
    writeFileSync(
      join(dir, 'crontab2'),
      `${readFileSync(join(dir, 'crontab'), 'utf8')}\n# Puppet Name: pull_new\n5 5 * * * /usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_new.cfg\n`,
    );
    const r = await run(ALL, ['--state-dir', state, '--syslog', join(dir, 'syslog'), '--crontab', join(dir, 'crontab2'), '--missing', 'warning']);
    expect(r.stdout).to.match(/1 never run/);
    expect(r.stdout).to.contain("[WARNING] pull_new never run (in the crontab, schedule '5 5 * * *')");
  });

  it('env-sync status piped: plain text, worst first, outcome characters, no colour', async () => {
    // Wide enough for the names whole (80 columns cut them: test/cli/statusTable.test.ts).
    const r = await envSync(['status', ...hostWide()], { env: { ...process.env, COLUMNS: '120' } });
    expect(r.code).to.equal(2);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).to.match(/^STATE\s+JOB\s+LAST RUN\s+DURATION\s+NEXT RUN\s+FAILS\s+RECENT$/);
    expect(lines[1]).to.match(/^CRITICAL\s+pull_content_data_admin_production_daily\s+failure .* ago\s+\S+\s+(\S+ ){0,2}\d\d:\d\d\s+1\s+x$/);
    expect(r.stdout).to.match(/push_attachments_staging\s+success .* ago\s+\S+\s+.*\s+0\s+\+\+$/m);
    expect(r.stdout).to.match(/pull_publishing_api_production_daily\s+running/);
    expect(r.stdout).not.to.contain('\x1b[');
  });

  it('env-sync status on a terminal: colour and block sparklines', async () => {
    const cmd = withoutUser(DEFAULT_USER, ENV_SYNC, ['status', ...hostWide()])
      .flat()
      .map((a) => `'${a}'`)
      .join(' ');
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', env: { ...process.env, TERM: 'xterm' } });
    if (r.error) throw new Error('script(1) is missing: apt-get install -y bsdutils');
    expect(r.stdout).to.contain('\x1b[31mCRITICAL');
    expect(r.stdout).to.match(/\x1b\[32m[▁▂▃▄▅▆▇█]\x1b\[0m/);
  });

  it('env-sync status --json has the documented shape', async () => {
    const r = await envSync(['status', '--json', ...hostWide()]);
    const doc = JSON.parse(r.stdout) as { schema: number; generated: string; jobs: Array<Record<string, unknown>> };
    expect(doc.schema).to.equal(1);
    expect(Number.isNaN(Date.parse(doc.generated))).to.equal(false);
    const keys = ['job', 'state', 'stateName', 'summary', 'schedule', 'nextRun', 'lastRun', 'consecutiveFailures', 'running', 'neverRun', 'history'];
    for (const j of doc.jobs) {
      expect(Object.keys(j).sort()).to.deep.equal([...keys].sort());
      expect(j.state).to.be.oneOf([0, 1, 2, 3]);
      expect(j.stateName).to.be.oneOf(['OK', 'WARNING', 'CRITICAL', 'UNKNOWN']);
      expect(typeof j.job).to.equal('string');
      expect(Array.isArray(j.history)).to.equal(true);
      if (j.nextRun !== null) expect(Number.isNaN(Date.parse(j.nextRun as string))).to.equal(false);
    }
    expect(doc.jobs.map((j) => j.job)).to.deep.equal([
      'pull_content_data_admin_production_daily',
      'pull_publishing_api_production_daily',
      'push_attachments_staging',
    ]);
    expect(doc.jobs[1]!.running).to.equal(true);
  });

  it('env-sync status reads the same plain command line with or without yargs', async () => {
    // Options after `status` take the quick path; the same options before it go through yargs. Both
    // run at the same frozen instant: a running job's "for 1s" must not depend on when each ran.
    const env = { ...process.env, ...frozenClock(new Date()) };
    const quick = await envSync(['status', '--json', ...hostWide()], { env });
    const full = await envSync([...hostWide(), 'status', '--json'], { env });
    const jobs = (r: { stdout: string }) => (JSON.parse(r.stdout) as { jobs: unknown[] }).jobs;
    expect(quick.code).to.equal(full.code);
    expect(jobs(quick)).to.deep.equal(jobs(full));
    for (const args of [
      ['status', '--rotated', 'x', ...hostWide()],
      [...hostWide(), '--rotated', 'x', 'status'],
    ]) {
      const bad = await envSync(args);
      expect(bad.code, args.join(' ')).to.equal(64);
      expect(bad.stderr).to.equal('env-sync: --rotated: "x" must be a whole number from 0 to 30\nTry \'env-sync --help\'.\n');
    }
  });

  it('env-sync show and rerun give the evidence and the command; config gives icinga2 and nrpe lines', async () => {
    // --user root: the records here are root's, and a re-run needs the job's user.
    const show = await envSync(['show', 'pull_content_data_admin_production_daily', '--user', 'root', ...common()]);
    expect(show.stdout).to.match(/^ENV_SYNC CRITICAL - /);
    expect(show.stdout).to.contain('marker output tail: restore failed');
    expect(show.stdout).to.match(/Last runs \(newest first\):\n\s+\S+\s+failure\s+exit 3/);
    expect(show.stdout).to.contain(
      `Re-run: runuser -P -u root -- env -i HOME=/root LOGNAME=root SHELL=/bin/sh PATH=/usr/local/bin:/usr/bin:/bin MAILTO=root /bin/sh -c 'cd /root && /usr/bin/envdir /etc/govuk_env_sync/env.d ${WRAPPER} --job pull_content_data_admin_production_daily --state-dir ${state} -- /usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_content_data_admin_production_daily.cfg'`,
    );
    expect(show.stdout).to.contain(
      '(as root, from the crontab line 5; or: sudo env-sync rerun pull_content_data_admin_production_daily, which shows the command and asks)',
    );
    const rerun = await envSync(['rerun', 'push_attachments_staging', '--dry-run', '--user', 'root', ...common()]);
    expect(rerun.stdout.trim()).to.equal(
      `runuser -P -u root -- env -i HOME=/root LOGNAME=root SHELL=/bin/sh PATH=/usr/local/bin:/usr/bin:/bin MAILTO=root /bin/sh -c 'cd /root && ${WRAPPER} --job push_attachments_staging --state-dir ${state} -- /usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/push_attachments_staging.cfg'`,
    );
    const icinga = await envSync(['config', 'icinga2', ...common()]);
    expect(icinga.stdout).to.contain('vars.env_sync_jobs["pull_content_data_admin_production_daily"] = { schedule = "18 0 * * *", grace = "1h" }');
    // The header sends the reader to the apply rules: each file it names is one icinga-conf/ has.
    const named = [...icinga.stdout.split('\n')[0]!.matchAll(/services[\w-]*\.conf/g)].map((m) => m[0]);
    expect(named).to.not.deep.equal([]);
    for (const f of named) expect(existsSync(join(repoRoot, 'icinga-conf', 'icinga2', f)), `${f} named by env-sync config icinga2`).to.equal(true);
    const nrpe = await envSync(['config', 'nrpe', ...common()]);
    // What the generated check reads is what env-sync config was told to read (the crontab file is root's: no --user).
    expect(nrpe.stdout).to.contain(
      `command[check_env_sync_push_attachments_staging]=/usr/lib/nagios/plugins/check_env_sync --job push_attachments_staging --state-dir ${state} --syslog ${join(dir, 'syslog')} --schedule '0 0 * * *' --grace 1h`,
    );
    const bad = await envSync(['show', 'a/b', ...common()]);
    expect(bad.code).to.equal(64);
    expect(bad.stderr).to.contain('invalid job name');
  });

  it("env-sync config --job JOB --schedule CRON gives that one job's lines, found or not, and refuses what does not fit", async () => {
    // The job is in neither the state directory nor the crontab, and the found ones are left out:
    // what a Puppet resource per job writes before its cron line exists or the job first ran.
    const extra = ['--max-age', '28h', '--grace', '2h'];
    const nrpe = await envSync(['config', 'nrpe', ...common(), ...extra, '--job', 'pull_new', '--schedule', '18 0 * * *']);
    expect(nrpe.code, nrpe.stderr).to.equal(0);
    expect(nrpe.stdout.split('\n').filter((l) => l.startsWith('command['))).to.deep.equal([
      `command[check_env_sync_pull_new]=/usr/lib/nagios/plugins/check_env_sync --job pull_new --state-dir ${state} --syslog ${join(dir, 'syslog')} --age-critical 28h --schedule '18 0 * * *' --grace 2h`,
    ]);
    expect(nrpe.stderr).to.equal('');
    const icinga = await envSync(['config', 'icinga2', ...common(), '--job', 'pull_new', '--schedule', '*/30 1-3 * * 1-5']);
    expect(icinga.stdout.split('\n').filter((l) => l.startsWith('vars.env_sync_jobs'))).to.deep.equal([
      'vars.env_sync_jobs["pull_new"] = { schedule = "*/30 1-3 * * 1-5", grace = "1h" }',
    ]);
    // Without --schedule: no schedule in the check (the age threshold still applies).
    const bare = await envSync(['config', 'nrpe', '--state-dir', state, '--job', 'pull_new']);
    expect(bare.stdout).to.contain('command[check_env_sync_pull_new]=/usr/lib/nagios/plugins/check_env_sync --job pull_new --state-dir');
    expect(bare.stdout).to.not.contain('--schedule');
    for (const [args, message] of [
      [['--schedule', '18 0 * * *'], "env-sync: --schedule needs --job JOB: it is one job's schedule (the jobs found take theirs from the crontab)\n"],
      [
        ['--job', 'pull_new', '--schedule', '18 0 * *'],
        /^env-sync: --schedule: "18 0 \* \*" is not a cron schedule \(.*\); use 5 fields like '18 0 \* \* \*'\n$/,
      ],
      [['--job', 'a/b'], /invalid job name/],
    ] as Array<[string[], string | RegExp]>) {
      const bad = await envSync(['config', 'nrpe', '--state-dir', state, ...args]);
      expect(bad.code, args.join(' ')).to.equal(64);
      expect(bad.stdout).to.equal('');
      if (typeof message === 'string') expect(bad.stderr).to.equal(message);
      else expect(bad.stderr).to.match(message);
    }
    // The runbook goes into the generated check, and the check puts it first in its long output.
    const url = 'https://docs.example/manual/alerts/data-sync.html';
    const withUrl = await envSync(['config', 'nrpe', '--state-dir', state, '--job', 'pull_new', '--runbook-url', url]);
    expect(withUrl.stdout).to.contain(`--job pull_new --state-dir ${state} --runbook-url ${url}\n`);
    const check = await run(plugin('check_env_sync'), ['--job', 'pull_content_data_admin_production_daily', '--state-dir', state, '--runbook-url', url]);
    expect(check.code, check.stdout).to.equal(2);
    expect(check.stdout.split('\n')[1]).to.equal(`Runbook: ${url}`);
    // Kept when the bound drops the lines after it.
    const bound = Buffer.byteLength(check.stdout.split('\n').slice(0, 3).join('\n')) + 60;
    const tight = await run(plugin('check_env_sync'), [
      '--job',
      'pull_content_data_admin_production_daily',
      '--state-dir',
      state,
      '--runbook-url',
      url,
      '--max-output',
      String(bound),
    ]);
    expect(tight.stdout.split('\n')[1]).to.equal(`Runbook: ${url}`);
    expect(tight.stdout).to.match(/more lines cut: --max-output/);
    const badUrl = await run(plugin('check_env_sync'), ['--job', 'pull_new', '--state-dir', state, '--runbook-url', 'https://x/a b']);
    expect(badUrl.code).to.equal(3);
    expect(badUrl.stdout).to.equal(
      'ENV_SYNC UNKNOWN - --runbook-url: "https://x/a b" is not an http(s) URL of one word without quotes, angle brackets or vertical bars\n',
    );
    const inv = await envSync(['config', 'inventory', '--state-dir', state, '--job', 'pull_new']);
    expect(inv.code).to.equal(64);
    expect(inv.stderr).to.equal('env-sync: --job does not go with config inventory: the inventory lists every job of the crontab\n');
  });

  it("env-sync rerun --exec runs the job's crontab line under env-sync-run so the markers record it", async () => {
    const crontab = join(dir, 'crontab-rerun');
    writeFileSync(crontab, '# Puppet Name: push_attachments_staging\n0 0 * * * true sync\n');
    const r = await envSync(['rerun', 'push_attachments_staging', '--exec', '--user', 'root', '--crontab', crontab, '--state-dir', state], {
      env: { ...process.env, ENV_SYNC_STATE_DIR: state },
    });
    expect(r.code, r.stderr).to.equal(0);
    const s = JSON.parse(readFileSync(join(state, 'push_attachments_staging', 'state.json'), 'utf8')) as { history: unknown[] };
    expect(s.history).to.have.length(3);
  });
});

describe('env-sync logs --follow', function () {
  this.timeout(60_000);
  it("prints the job's lines appended before and after a real logrotate of the followed file", async () => {
    const logrotate = ['/usr/sbin/logrotate', '/sbin/logrotate'].find((p) => existsSync(p));
    if (!logrotate) throw new Error('logrotate is missing: apt-get install -y logrotate (or bash scripts/test-deps.sh)');
    const { dir, cleanup } = makeTempDir();
    try {
      const syslog = join(dir, 'syslog');
      const line = (msg: string) => `${syslogStamp()} db1 env-sync/pull_x[42]: ${msg}\n`;
      writeFileSync(syslog, line('old line') + `${syslogStamp()} db1 CRON[1]: other\n`);
      const child = spawn(ENV_SYNC, ['logs', 'pull_x', '--follow', '--syslog', syslog], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      await waitUntil('following', () => err.includes('following'));
      await sleep(300);
      appendFileSync(syslog, line('before rotation'));
      await waitUntil('line before rotation', () => out.includes('before rotation'));
      const conf = join(dir, 'logrotate.conf');
      writeFileSync(conf, `${syslog} {\n  rotate 2\n  daily\n  create 0644\n}\n`);
      const rot = spawnSync(logrotate, ['-f', '-s', join(dir, 'state'), conf]);
      expect(rot.status, rot.stderr?.toString()).to.equal(0);
      expect(existsSync(`${syslog}.1`)).to.equal(true);
      await sleep(500);
      appendFileSync(syslog, line('after rotation') + `${syslogStamp()} db1 CRON[1]: other job\n`);
      await waitUntil('line after rotation', () => out.includes('after rotation'), 15_000);
      child.kill('SIGINT');
      await new Promise((r) => child.once('exit', r));
      expect(
        out
          .split('\n')
          .filter(Boolean)
          .map((l) => l.slice(l.indexOf(': ') + 2)),
        out,
      ).to.deep.equal(['old line', 'before rotation', 'after rotation']);
    } finally {
      cleanup();
    }
  });
});
