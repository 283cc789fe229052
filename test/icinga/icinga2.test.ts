import { expect } from 'chai';
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { splitPluginOutput } from '../../src/icinga/passiveResult.js';
import { makeTestPki } from '../support/tls.js';
import { freePort, startIcinga2, validateIcinga2, writeIcinga2Config, type RunningIcinga2 } from '../support/icinga2.js';
import { NRPE_CFG, PLUGIN_DIR, recordFinishedRun, REPO_ROOT, runPlugin } from '../support/icingaFixtures.js';
import { adaptCommands, CHECK_NRPE, commandLine, startNrpe, type RunningNrpe } from '../support/nrpe.js';
import { makeTempDir, stateDirIn } from '../support/tmp.js';

const CONF = join(REPO_ROOT, 'icinga-conf', 'icinga2');
const COMMANDS = join(CONF, 'commands.conf');
const SERVICES = {
  agent: join(CONF, 'services-agent.conf'),
  nrpe: join(CONF, 'services-nrpe.conf'),
  passive: join(CONF, 'services-passive.conf'),
  all: join(CONF, 'services-all.conf'),
  order: join(CONF, 'services-order.conf'),
};
const ALL_SERVICES = Object.values(SERVICES);
const SAMPLE_HOSTS = join(CONF, 'examples', 'hosts.conf');
const NO_MATCH = /does not match anywhere/;

describe('icinga2 configuration (icinga2 daemon -C)', function () {
  this.timeout(120_000);
  let tmp: ReturnType<typeof makeTempDir>;

  beforeEach(function () {
    tmp = makeTempDir('env-sync-icinga2-conf-');
  });
  afterEach(function () {
    tmp.cleanup();
  });

  it('accepts the CheckCommands, apply rules and sample hosts, creating one service per job and variant', function () {
    const { configFile } = writeIcinga2Config({ dir: tmp.dir, pluginDir: PLUGIN_DIR, globalFiles: [COMMANDS], masterFiles: [...ALL_SERVICES, SAMPLE_HOSTS] });
    const r = validateIcinga2(tmp.dir, configFile);
    expect(r.status, r.output).to.equal(0);
    expect(r.output).to.include('Finished validating the configuration file(s).');
    // Agent host: 2 jobs + "env-sync all" + 1 order; NRPE host: 2 jobs; passive host: 2 jobs.
    expect(r.output).to.match(/Instantiated 8 Services\./);
    expect(r.output).to.match(/Instantiated 3 Hosts\./);
    expect(r.output).to.not.match(NO_MATCH);
  });

  // A master includes only the variant it uses; hosts of the other variants (in the sample file)
  // are there too, and must not make their rules' absence matter.
  for (const [variant, files, services] of [
    ['agent', [SERVICES.agent], 2],
    ['agent with "env-sync all" and the order check', [SERVICES.agent, SERVICES.all, SERVICES.order], 4],
    ['NRPE', [SERVICES.nrpe], 2],
    ['passive', [SERVICES.passive], 2],
  ] as const) {
    it(`accepts the ${variant} variant alone, with no "does not match anywhere" warning`, function () {
      const { configFile } = writeIcinga2Config({ dir: tmp.dir, pluginDir: PLUGIN_DIR, globalFiles: [COMMANDS], masterFiles: [...files, SAMPLE_HOSTS] });
      const r = validateIcinga2(tmp.dir, configFile);
      expect(r.status, r.output).to.equal(0);
      expect(r.output).to.match(new RegExp(`Instantiated ${services} Services?\\.`));
      expect(r.output).to.not.match(NO_MATCH);
    });
  }

  it('warns "does not match anywhere" for each variant file a master includes but does not use (why they are separate)', function () {
    const onlyPassive = 'object Host "h" {\n  check_command = "dummy"\n  vars.env_sync_mode = "passive"\n  vars.env_sync_jobs["pull_x"] = {}\n}\n';
    const { configFile } = writeIcinga2Config({
      dir: tmp.dir,
      pluginDir: PLUGIN_DIR,
      globalFiles: [COMMANDS],
      masterFiles: ALL_SERVICES,
      extraMasterConfig: onlyPassive,
    });
    const r = validateIcinga2(tmp.dir, configFile);
    expect(r.status, r.output).to.equal(0);
    const warned = r.output.split('\n').filter((l) => NO_MATCH.test(l));
    for (const unused of ['services-agent.conf', 'services-nrpe.conf', 'services-all.conf', 'services-order.conf']) {
      expect(
        warned.filter((l) => l.includes(unused)),
        `${unused} in:\n${r.output}`,
      ).to.have.length(1);
    }
    expect(warned.filter((l) => l.includes('services-passive.conf'))).to.deep.equal([]);
  });

  it('rejects a service whose check command does not exist (the validation is real)', function () {
    const { configFile } = writeIcinga2Config({
      dir: tmp.dir,
      pluginDir: PLUGIN_DIR,
      globalFiles: [COMMANDS],
      masterFiles: ALL_SERVICES,
      extraMasterConfig: 'object Host "h" { check_command = "env_sync_no_such_command" }\n',
    });
    const r = validateIcinga2(tmp.dir, configFile);
    expect(r.status).to.not.equal(0);
    expect(r.output).to.include('env_sync_no_such_command');
  });
});

describe('icinga2 daemon with the API: passive and active results', function () {
  this.timeout(180_000);
  let tmp: ReturnType<typeof makeTempDir>;
  let icinga: RunningIcinga2 | undefined;
  let nrpe: RunningNrpe | undefined;
  let nrpeCommands = '';
  // Installed the way docs/icinga.md says: symbolic links to the checkout's launchers in the
  // directory Icinga knows as PluginDir (beside check_nrpe and check_dummy).
  let pluginDir = '';
  let stateDir = '';
  let syslog = '';
  let passwordFile = '';
  const job = 'pull_failing';
  const GENERATED_JOB = 'pull_generated';
  let generatedState = '';
  let generatedNrpe = '';
  let generatedHostVars = '';

  before(async function () {
    tmp = makeTempDir('env-sync-icinga2-api-');
    stateDir = stateDirIn(tmp.dir);
    syslog = join(tmp.dir, 'syslog');
    writeFileSync(syslog, '', { mode: 0o644 });
    recordFinishedRun(stateDir, job, 'failure', 1, ['restore failed: psql: could not connect']);
    recordFinishedRun(stateDir, 'pull_x', 'success', 0, ['Completed']);
    pluginDir = join(tmp.dir, 'nagios-plugins');
    mkdirSync(pluginDir, { mode: 0o755 });
    for (const p of ['check_env_sync', 'check_env_sync_all', 'check_env_sync_order']) symlinkSync(join(PLUGIN_DIR, p), join(pluginDir, p));
    symlinkSync(CHECK_NRPE, join(pluginDir, 'check_nrpe'));
    nrpeCommands = adaptCommands(readFileSync(NRPE_CFG, 'utf8'), pluginDir, stateDir, syslog);
    // A host whose jobs live in a state directory of its own, set up from what `env-sync config`
    // generates for it: the NRPE lines and the host variables must carry --state-dir, --syslog and
    // the thresholds, or the checks look in /var/lib/env-sync and say "no record of this job".
    generatedState = join(tmp.dir, 'generated-state');
    mkdirSync(generatedState, { mode: 0o755 });
    recordFinishedRun(generatedState, GENERATED_JOB, 'failure', 4, ['pg_restore: error: generated']);
    const crontab = join(tmp.dir, 'generated-crontab');
    writeFileSync(crontab, `18 0 * * * /usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/${GENERATED_JOB}.cfg\n`);
    const generate = (kind: string) => {
      const r = spawnSync(
        join(PLUGIN_DIR, 'env-sync'),
        ['config', kind, '--state-dir', generatedState, '--syslog', syslog, '--crontab', crontab, '--max-age', '26h'],
        { encoding: 'utf8' },
      );
      expect(r.status, r.stderr).to.equal(0);
      return r.stdout;
    };
    generatedNrpe = generate('nrpe').replaceAll('/usr/lib/nagios/plugins/', `${pluginDir}/`);
    generatedHostVars = generate('icinga2');
    nrpeCommands += `\n${generatedNrpe}`;
    const nrpeDir = join(tmp.dir, 'nrpe');
    mkdirSync(nrpeDir, { mode: 0o755 });
    nrpe = await startNrpe(nrpeDir, await freePort(), nrpeCommands);
    passwordFile = join(tmp.dir, 'api-password');
    writeFileSync(passwordFile, 'poster-secret-2\n');
    chmodSync(passwordFile, 0o600);
    // The passive poster has exactly the permission docs/icinga.md gives it.
    const hosts = `
object ApiUser "env-sync-poster" {
  password = "poster-secret-2"
  permissions = [ "actions/process-check-result" ]
}
object Host "sync-passive" {
  check_command = "dummy"
  address = "127.0.0.1"
  vars.env_sync_mode = "passive"
  vars.env_sync_jobs["pull_wrapped"] = { freshness_hours = 28 }
}
object Host "sync-active" {
  check_command = "dummy"
  address = "127.0.0.1"
  vars.env_sync_state_dir = ${JSON.stringify(stateDir)}
  vars.env_sync_syslog = ${JSON.stringify(syslog)}
  vars.env_sync_jobs[${JSON.stringify(job)}] = { max_age = "26h" }
}
object Host "sync-nrpe" {
  check_command = "dummy"
  address = "127.0.0.1"
  vars.env_sync_mode = "nrpe"
  vars.nrpe_port = ${nrpe!.port}
  vars.env_sync_jobs["pull_x"] = {}
}
const EnvSyncRunbookUrl = "https://runbooks.example/data-sync"
object Host "sync-generated" {
  check_command = "dummy"
  address = "127.0.0.1"
  vars.env_sync_runbook_url = "https://runbooks.example/data-sync-generated"
${generatedHostVars}
}
object Host "sync-stale" {
  check_command = "dummy"
  address = "127.0.0.1"
  vars.env_sync_mode = "passive"
  vars.env_sync_jobs["pull_quiet"] = { freshness_hours = 32, stale_state = 1 }
}
object Host "sync-options" {
  check_command = "dummy"
  address = "127.0.0.1"
  vars.env_sync_state_dir = ${JSON.stringify(stateDir)}
  vars.env_sync_syslog = ${JSON.stringify(syslog)}
  vars.env_sync_all = true
  vars.env_sync_crontab = "/etc/crontab.test"
  vars.env_sync_user = "govuk-backup"
  vars.env_sync_jobs["every_option"] = {
    rotated = 2
    boot_id_file = "/tmp/boot_id"
    age_warning = "25h"
    age_critical = "30h"
    runtime_warning = "3h"
    runtime_critical = "4h"
    schedule = "18 0 * * *"
    grace = "2h"
    missing = "warning"
    reboot_lock_dir = "/tmp/no-reboot"
    cfg_name = "pull_every"
    timeout = 20
    max_output = 1024
    verbose = true
  }
}
`;
    icinga = await startIcinga2({
      dir: join(tmp.dir, 'icinga2'),
      pluginDir,
      globalFiles: [COMMANDS],
      masterFiles: ALL_SERVICES,
      extraMasterConfig: hosts,
      api: { port: await freePort(), user: 'env-sync', password: 'test-secret-1' },
    });
  });

  after(async function () {
    await icinga?.stop();
    await nrpe?.stop();
    tmp?.cleanup();
  });

  async function service(host: string, name: string): Promise<any> {
    const r = await icinga!.api(
      'GET',
      `/v1/objects/services/${encodeURIComponent(`${host}!${name}`)}?attrs=state&attrs=last_check_result&attrs=check_command&attrs=next_check`,
    );
    expect(r.status, JSON.stringify(r.json)).to.equal(200);
    return r.json.results[0].attrs;
  }

  const wrapper = (args: string[], command: string[]) =>
    spawnSync(join(PLUGIN_DIR, 'env-sync-run'), ['--no-syslog', '--state-dir', stateDir, '--syslog-file', syslog, ...args, '--', ...command], {
      encoding: 'utf8',
      timeout: 90_000,
    });
  const failingSync = ['/bin/sh', '-c', 'echo "Starting sync"; echo "psql: error: could not connect to server" >&2; exit 1'];

  it("shows the wrapper's passive result for a failed run as CRITICAL with the plugin output", async function () {
    const wrapped = 'pull_wrapped';
    const r = wrapper(
      [
        '--job',
        wrapped,
        '--icinga-url',
        icinga!.url,
        '--icinga-user',
        'env-sync-poster',
        '--icinga-password-file',
        passwordFile,
        '--icinga-ca',
        icinga!.caCert,
        '--icinga-host',
        'sync-passive',
      ],
      failingSync,
    );
    // The sync's own status, whatever happened to the post.
    expect(r.status, r.stderr).to.equal(1);
    expect(r.stderr).to.not.match(/passive result not/);
    // What check_env_sync says about the run the wrapper just recorded, is what Icinga shows.
    const direct = runPlugin('check_env_sync', ['--job', wrapped, '--state-dir', stateDir, '--syslog', syslog]);
    const expected = splitPluginOutput(direct.stdout);
    const attrs = await service('sync-passive', `env-sync ${wrapped}`);
    expect(attrs.check_command).to.equal('dummy');
    // A passive result carries a state, not a process exit code.
    expect(attrs.last_check_result.active).to.equal(false);
    expect(attrs.last_check_result.state).to.equal(direct.status);
    expect(attrs.last_check_result.output).to.equal(expected.pluginOutput);
    expect(attrs.last_check_result.check_source).to.equal(hostname());
    expect(attrs.state, expected.pluginOutput).to.equal(2);
    expect(expected.pluginOutput).to.match(/^ENV_SYNC CRITICAL - /);
    // Freshness: the result pushed the dummy out by check_interval (28 h), so it stays on screen.
    expect(attrs.next_check).to.be.greaterThan(attrs.last_check_result.execution_end + 27 * 3600);
  });

  it("keeps the sync's exit status and says why when the API's certificate does not verify", async function () {
    const other = makeTestPki(tmp.dir, 'not-icinga');
    const r = wrapper(
      [
        '--job',
        'pull_wrong_ca',
        '--icinga-url',
        icinga!.url,
        '--icinga-user',
        'env-sync-poster',
        '--icinga-password-file',
        passwordFile,
        '--icinga-ca',
        other.caCert,
        '--icinga-host',
        'sync-passive',
      ],
      ['/bin/sh', '-c', 'exit 0'],
    );
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stderr).to.match(/TLS verification of https:\/\/127\.0\.0\.1:\d+ failed/);
    expect(r.stderr).to.include('--icinga-ca');
    expect(r.stderr).to.include('passive result not posted: ');
    expect(r.stderr).to.not.include('not sent to Icinga: passive result not posted');
  });

  async function runActive(host: string, name: string): Promise<any> {
    const before = Date.now() / 1000;
    const r = await icinga!.api('POST', '/v1/actions/reschedule-check', {
      type: 'Service',
      filter: 'host.name==h && service.name==s',
      filter_vars: { h: host, s: name },
      force: true,
    });
    expect(r.status, JSON.stringify(r.json)).to.equal(200);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const attrs = await service(host, name);
      if (attrs.last_check_result && attrs.last_check_result.execution_end >= before) return attrs;
      if (Date.now() > deadline) throw new Error(`icinga2 did not run ${host}!${name} within 60 s:\n${icinga!.log().slice(-3000)}`);
      await new Promise((res) => setTimeout(res, 250));
    }
  }

  it('turns a passive service stale with the dummy text when no result arrived within check_interval', async function () {
    const attrs = await runActive('sync-stale', 'env-sync pull_quiet');
    expect(attrs.check_command).to.equal('dummy');
    expect(attrs.state).to.equal(1);
    expect(attrs.last_check_result.output).to.match(/^no result from the sync for 32 hours: did cron run env-sync-run for pull_quiet/);
    const obj = await icinga!.api(
      'GET',
      `/v1/objects/services/${encodeURIComponent('sync-stale!env-sync pull_quiet')}?attrs=check_interval&attrs=retry_interval&attrs=max_check_attempts&attrs=enable_active_checks`,
    );
    expect(obj.json.results[0].attrs).to.deep.equal({
      check_interval: 32 * 3600,
      retry_interval: 32 * 3600,
      max_check_attempts: 1,
      enable_active_checks: true,
    });
  });

  it('passes every job dictionary key and host variable to check_env_sync as its option', async function () {
    const attrs = await runActive('sync-options', 'env-sync every_option');
    const cmd: string[] = attrs.last_check_result.command;
    const pairs = (a: string[]): string[] => a.slice(1).map((v, i) => `${a[i]} ${v}`);
    expect(cmd[0]).to.equal(join(pluginDir, 'check_env_sync'));
    expect(pairs(cmd)).to.include.members([
      '--job every_option',
      `--state-dir ${stateDir}`,
      `--syslog ${syslog}`,
      '--rotated 2',
      '--boot-id-file /tmp/boot_id',
      '--age-warning 25h',
      '--age-critical 30h',
      '--runtime-warning 3h',
      '--runtime-critical 4h',
      '--schedule 18 0 * * *',
      '--grace 2h',
      '--missing warning',
      '--reboot-lock-dir /tmp/no-reboot',
      '--cfg-name pull_every',
      '--timeout 20',
      '--max-output 1024',
    ]);
    expect(cmd).to.include('-v');
    expect(cmd).to.not.include('--max-age');
  });

  it('runs check_env_sync_all with the host-wide options', async function () {
    const attrs = await runActive('sync-options', 'env-sync all');
    const cmd: string[] = attrs.last_check_result.command;
    expect(cmd[0]).to.equal(join(pluginDir, 'check_env_sync_all'));
    const pairs = cmd.slice(1).map((v, i) => `${cmd[i]} ${v}`);
    expect(pairs).to.include.members([`--state-dir ${stateDir}`, `--syslog ${syslog}`, '--crontab /etc/crontab.test', '--user govuk-backup', '--timeout 30']);
    expect(cmd).to.not.include('-v');
  });

  it('runs the env_sync CheckCommand itself and reaches the same CRITICAL state', async function () {
    const direct = runPlugin('check_env_sync', ['--job', job, '--state-dir', stateDir, '--syslog', syslog, '--max-age', '26h']);
    const attrs = await runActive('sync-active', `env-sync ${job}`);
    expect(attrs.check_command).to.equal('env_sync');
    expect(attrs.last_check_result.command).to.include.members([
      join(pluginDir, 'check_env_sync'),
      '--job',
      job,
      '--state-dir',
      stateDir,
      '--max-age',
      '26h',
      '--timeout',
      '30',
    ]);
    expect(attrs.last_check_result.exit_status, attrs.last_check_result.output).to.equal(direct.status);
    expect(attrs.state, attrs.last_check_result.output).to.equal(2);
    expect(attrs.last_check_result.output).to.match(/^ENV_SYNC CRITICAL - /);
  });

  it("runs the NRPE variant through the ITL nrpe command and gets the plugin's verdict", async function () {
    const [, ...args] = commandLine(nrpeCommands, 'check_env_sync_pull_x');
    const direct = runPlugin('check_env_sync', args);
    const attrs = await runActive('sync-nrpe', 'env-sync pull_x');
    expect(attrs.check_command).to.equal('nrpe');
    const cmd: string[] = attrs.last_check_result.command;
    expect(cmd[0]).to.equal(join(pluginDir, 'check_nrpe'));
    expect(cmd.slice(1).map((v, i) => `${cmd[i]} ${v}`)).to.include.members(['-H 127.0.0.1', `-p ${nrpe!.port}`, '-c check_env_sync_pull_x', '-t 50']);
    expect(attrs.last_check_result.exit_status, attrs.last_check_result.output).to.equal(direct.status);
    // Icinga keeps all before the "|" as the output: the plugin's words, with no blank after them.
    expect(attrs.last_check_result.output.split('\n')[0]).to.equal(splitPluginOutput(direct.stdout).pluginOutput.split('\n')[0]);
    expect(attrs.state, attrs.last_check_result.output).to.equal(0);
    expect(direct.stdout).to.match(/^ENV_SYNC OK - /);
  });
  it('runs the check env-sync config icinga2 generated for a host: its state directory, log and thresholds reach the plugin, and the runbook becomes notes_url', async function () {
    expect(generatedHostVars).to.include(`vars.env_sync_state_dir = ${JSON.stringify(generatedState)}`);
    const attrs = await runActive('sync-generated', `env-sync ${GENERATED_JOB}`);
    const cmd: string[] = attrs.last_check_result.command;
    const pairs = cmd.slice(1).map((v, i) => `${cmd[i]} ${v}`);
    expect(pairs).to.include.members([
      `--job ${GENERATED_JOB}`,
      `--state-dir ${generatedState}`,
      `--syslog ${syslog}`,
      '--age-critical 26h',
      '--schedule 18 0 * * *',
      '--grace 1h',
      // The host's runbook variable is the CheckCommand's --runbook-url too: the link is in the output.
      '--runbook-url https://runbooks.example/data-sync-generated',
    ]);
    expect(attrs.state, attrs.last_check_result.output).to.equal(2);
    expect(attrs.last_check_result.output).to.match(new RegExp(`^ENV_SYNC CRITICAL - ${GENERATED_JOB} failed with exit 4`));
    expect(attrs.last_check_result.output.split('\n')[1]).to.equal('Runbook: https://runbooks.example/data-sync-generated');
    const notes = async (host: string, name: string) =>
      (await icinga!.api('GET', `/v1/objects/services/${encodeURIComponent(`${host}!${name}`)}?attrs=notes_url&attrs=notes`)).json.results[0].attrs;
    expect(await notes('sync-generated', `env-sync ${GENERATED_JOB}`)).to.deep.include({ notes_url: 'https://runbooks.example/data-sync-generated' });
    // A host without its own: the global constant; the notes keep naming env-sync show.
    expect(await notes('sync-active', `env-sync ${job}`)).to.deep.equal({
      notes_url: 'https://runbooks.example/data-sync',
      notes: `Nightly data sync ${job}. On the host: env-sync show ${job}`,
    });
  });

  it('runs every NRPE line env-sync config nrpe generated, through a real NRPE, and each finds its job', function () {
    const lines = generatedNrpe.split('\n').filter((l) => l.startsWith('command['));
    expect(lines).to.have.length(1);
    for (const line of lines) {
      const name = line.slice('command['.length, line.indexOf(']'));
      const r = spawnSync(CHECK_NRPE, ['-H', '127.0.0.1', '-p', String(nrpe!.port), '-c', name, '-t', '50'], { encoding: 'utf8' });
      expect(r.stdout, `${name}: ${line}`).to.match(new RegExp(`^ENV_SYNC CRITICAL - ${GENERATED_JOB} failed with exit 4`));
      expect(r.status).to.equal(2);
    }
  });
});
