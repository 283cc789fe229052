// npm run demo: wraps the sample sync (test/fixtures/sample_govuk_env_sync.sh) with env-sync-run into a
// temporary state directory, writes sample syslog and syslog.1 files around those runs, and shows
// what check_env_sync says about each job. Needs nothing but Node. DEMO_KEEP=1 keeps the directory.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const { jobRunLines, writeSyslog } = await import(join(root, 'build/test/bench/syslogGen.js'));
const plugin = (n) => join(root, 'plugins', n);
const sample = join(root, 'test/fixtures/sample_govuk_env_sync.sh');
const dir = mkdtempSync(join(tmpdir(), 'env-sync-demo-'));
const state = join(dir, 'state');
mkdirSync(state);
const bold = process.stdout.isTTY && !process.env.NO_COLOR ? (t) => `\x1b[1m${t}\x1b[0m` : (t) => t;
const say = (text) => process.stdout.write(`\n${bold(text)}\n`);
const show = (cmd, args, env = {}) => {
  process.stdout.write(`$ ${[cmd.replace(root + '/', ''), ...args.map((a) => a.replace(dir, '$DEMO'))].join(' ')}\n`);
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env } });
  process.stdout.write(r.stdout.replaceAll(dir, '$DEMO') + r.stderr.replaceAll(dir, '$DEMO'));
  process.stdout.write(`(exit ${r.status})\n`);
  return r;
};

const jobs = [
  { job: 'pull_content_data_admin_production_daily', cfg: 'behaviour=success\n', exit: 0 },
  { job: 'push_attachments_staging', cfg: 'behaviour=fail\nexit_code=1\ndatabase=attachments\n', exit: 1 },
];
say(`1. Two nightly syncs run under env-sync-run (state directory $DEMO/state, DEMO=${dir})`);
for (const j of jobs) {
  const cfg = join(dir, `${j.job}.cfg`);
  writeFileSync(cfg, j.cfg);
  show(plugin('env-sync-run'), ['--no-syslog-copy', '--state-dir', state, '--', sample, '-f', cfg]);
}

say('2. Sample syslog and syslog.1 around those runs (what rsyslog would hold on the host)');
const now = new Date();
const lines = jobs.flatMap((j) => {
  const last = JSON.parse(readFileSync(join(state, j.job, 'state.json'), 'utf8')).last;
  return jobRunLines({ job: j.job, runId: last.runId, start: new Date(last.start), end: new Date(last.end), exit: j.exit });
});
// A job whose cron line is not wrapped yet: only govuk_env_sync.sh's own lines, last night, in syslog.1.
const lastNight = new Date(now.getTime() - 26 * 3600_000);
const unwrapped = jobRunLines({
  job: 'pull_publishing_api_production_daily',
  runId: 'n/a',
  start: lastNight,
  end: new Date(lastNight.getTime() + 600_000),
  exit: 1,
}).filter((l) => l.text.startsWith('govuk_env_sync.sh'));
writeSyslog(join(dir, 'syslog'), 256 * 1024, new Date(now.getTime() - 24 * 3600_000), now, lines);
writeSyslog(join(dir, 'syslog.1'), 256 * 1024, new Date(now.getTime() - 48 * 3600_000), new Date(now.getTime() - 24 * 3600_000), unwrapped);
process.stdout.write(`wrote $DEMO/syslog and $DEMO/syslog.1 (256 KiB each)\n`);

say('3. What Icinga would show: check_env_sync for each job');
const env = { ENV_SYNC_STATE_DIR: state, ENV_SYNC_SYSLOG: join(dir, 'syslog') };
for (const j of jobs) show(plugin('check_env_sync'), ['--job', j.job, '--max-age', '26h'], env);
say('   a job not wrapped yet, judged from syslog only:');
show(plugin('check_env_sync'), ['--job', 'pull_publishing_api_production_daily'], env);
say('   a job with no record at all:');
show(plugin('check_env_sync'), ['--job', 'pull_never_ran'], env);

say('4. What the engineer on call runs: env-sync status (jobs from the state directory and a crontab)');
const crontab = join(dir, 'crontab');
writeFileSync(
  crontab,
  [...jobs.map((j) => j.job), 'pull_signon_production_daily']
    .map(
      (job, i) =>
        `# Puppet Name: ${job}\n${18 + i} 0 * * * /usr/bin/ionice -c 2 -n 6 /usr/local/bin/with_reboot_lock env-sync_${job} /usr/bin/envdir /etc/govuk_env_sync/env.d /usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/${job}.cfg`,
    )
    .join('\n') + '\n',
);
// --scheduler none: this crontab is a sample file, not one cron runs, so whether cron runs here says nothing.
show(plugin('env-sync'), ['status', '--crontab', crontab, '--scheduler', 'none'], env);
// --user: the demo's records are this user's own (root's, run as root), and env-sync never takes root for the jobs' user unless told.
show(plugin('env-sync'), ['rerun', 'pull_signon_production_daily', '--crontab', crontab, '--user', userInfo().username, '--dry-run'], env);

if (process.env.DEMO_KEEP) process.stdout.write(`\nkept ${dir}\n`);
else rmSync(dir, { recursive: true, force: true });
