// Many hosts: an Icinga 2 master scheduling our CheckCommands on a sync host's agent through
// command_endpoint, as docs/icinga.md ("Many hosts") sets it up. Real daemons: a master and five
// agents (one set up right, one without accept_commands, one without accept_config, one that accepts
// config but does not declare the global zone, one without accept_config but with the CheckCommands
// installed locally), each with private directories, certificates from `icinga2 pki`, APIs on
// 127.0.0.1. The right agent's host has two wrapped jobs and one not wrapped yet, which the host-wide
// check sees only through the job inventory.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { splitPluginOutput } from '../../src/icinga/passiveResult.js';
import { Icinga2Cluster, MASTER_NAME } from '../support/icinga2Cluster.js';
import { PLUGIN_DIR, REPO_ROOT, runPlugin } from '../support/icingaFixtures.js';
import { syslogLine } from '../support/proc.js';
import { makeTempDir } from '../support/tmp.js';

const CONF = join(REPO_ROOT, 'icinga-conf', 'icinga2');
const AGENT = 'agent';
const NO_COMMANDS = 'agent-no-commands';
const NO_CONFIG = 'agent-no-config';
const LOCAL_COMMANDS = 'agent-local-commands';
const NO_GLOBAL_ZONE = 'agent-no-global-zone';

/** The private name resolution the passive post needs: unshare(1) and mount(8), as root. */
function requireNamespaceTools(): void {
  for (const [tool, pkg] of [
    ['/usr/bin/unshare', 'util-linux'],
    ['/usr/bin/mount', 'mount'],
  ] as const) {
    if (!existsSync(tool)) throw new Error(`${tool} is missing: install the Debian package ${pkg} (bash scripts/test-deps.sh)`);
  }
  if (process.getuid?.() !== 0) throw new Error('this test needs root: it bind-mounts a private /etc/hosts inside `unshare -m` (a mount namespace of its own)');
}

describe('Icinga 2 master and agents (real daemons, command_endpoint)', function () {
  this.timeout(240_000);
  let tmp: ReturnType<typeof makeTempDir> | undefined;
  let cluster: Icinga2Cluster | undefined;
  let stateDir = '';
  let syslog = '';
  let pluginDir = '';
  let passwordFile = '';
  let hostsFile = '';

  before(async function () {
    requireNamespaceTools();
    tmp = makeTempDir('env-sync-multihost-');
    // The agent's side: plugins linked into its PluginDir as docs/icinga.md says, and two jobs
    // run through the real wrapper, one that succeeds and one that fails.
    stateDir = join(tmp.dir, 'agent-state');
    syslog = join(tmp.dir, 'agent-syslog');
    mkdirSync(stateDir, { mode: 0o755 });
    writeFileSync(syslog, '', { mode: 0o644 });
    pluginDir = join(tmp.dir, 'agent-plugins');
    mkdirSync(pluginDir, { mode: 0o755 });
    for (const p of ['check_env_sync', 'check_env_sync_all', 'check_env_sync_order']) symlinkSync(join(PLUGIN_DIR, p), join(pluginDir, p));
    for (const [job, script, status] of [
      ['pull_ok', 'echo "Completed"', 0],
      ['pull_failing', 'echo "psql: error: could not connect to server" >&2; exit 1', 1],
    ] as const) {
      const r = spawnSync(join(PLUGIN_DIR, 'env-sync-run'), ['--no-syslog', '--state-dir', stateDir, '--job', job, '--', '/bin/sh', '-c', script], {
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(r.status, r.stderr).to.equal(status);
    }
    // A job not wrapped yet: no marker, only govuk_env_sync.sh's own lines in syslog, and a line in
    // the job user's crontab. The CheckCommand gives check_env_sync_all no --crontab or --user (user
    // nagios cannot read another user's crontab), so the agent's check finds the job only in the job
    // inventory, which `env-sync config inventory` writes as root.
    const cfg = '/etc/govuk_env_sync/pull_unwrapped.cfg';
    const now = Date.now();
    const started = new Date(now - 20 * 60_000);
    const failed = new Date(now - 5 * 60_000);
    appendFileSync(
      syslog,
      [
        syslogLine(started, `govuk_env_sync.sh: Starting "/usr/local/bin/govuk_env_sync.sh -f ${cfg}"`),
        syslogLine(
          failed,
          `govuk_env_sync.sh: Error running "/usr/local/bin/govuk_env_sync.sh -f ${cfg}" in function restore_mysql on line 330 executing "mysql -h db"`,
        ),
        '',
      ].join('\n'),
    );
    const crontab = join(tmp.dir, 'agent-crontab');
    const wrapper = join(PLUGIN_DIR, 'env-sync-run');
    writeFileSync(
      crontab,
      [
        `18 0 * * * ${wrapper} --job pull_ok -- /usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_ok.cfg`,
        `30 0 * * * ${wrapper} --job pull_failing -- /usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_failing.cfg`,
        `5 22 * * * /usr/local/bin/govuk_env_sync.sh -f ${cfg}`,
        '',
      ].join('\n'),
    );
    const inventory = spawnSync(join(PLUGIN_DIR, 'env-sync'), ['config', 'inventory', '--crontab', crontab, '--state-dir', stateDir], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(inventory.status, inventory.stderr).to.equal(0);
    expect(inventory.stdout).to.include(`${stateDir}/inventory.json: 3 jobs`);
    passwordFile = join(tmp.dir, 'icinga-password');
    writeFileSync(passwordFile, 'poster-secret-3\n');
    chmodSync(passwordFile, 0o600);
    hostsFile = join(tmp.dir, 'hosts');
    writeFileSync(hostsFile, `127.0.0.1 localhost\n127.0.0.1 ${MASTER_NAME}\n`);

    const agentHost = (name: string, jobs: string[], extra = '') => `
object Host ${JSON.stringify(name)} {
  check_command = "dummy"
  address = "127.0.0.1"
  vars.agent_endpoint = name
  vars.env_sync_state_dir = ${JSON.stringify(stateDir)}
  vars.env_sync_syslog = ${JSON.stringify(syslog)}
${jobs.map((j) => `  vars.env_sync_jobs[${JSON.stringify(j)}] = { max_age = "26h" }`).join('\n')}
${extra}}
`;
    const masterConfig = `
object ApiUser "env-sync-poster" {
  password = "poster-secret-3"
  permissions = [ "actions/process-check-result" ]
}
${agentHost(AGENT, ['pull_ok', 'pull_failing'], '  vars.env_sync_all = true\n  vars.env_sync_scheduler = "none"\n')}
${agentHost(NO_COMMANDS, ['pull_ok'])}
${agentHost(NO_CONFIG, ['pull_ok'])}
${agentHost(LOCAL_COMMANDS, ['pull_ok'])}
${agentHost(NO_GLOBAL_ZONE, ['pull_ok'])}
object Host "sync-passive" {
  check_command = "dummy"
  address = "127.0.0.1"
  vars.env_sync_mode = "passive"
  vars.env_sync_jobs["pull_posted"] = {}
  vars.env_sync_jobs["pull_posted_by_address"] = {}
}
`;
    cluster = await Icinga2Cluster.create({
      dir: join(tmp.dir, 'icinga2'),
      globalFiles: [join(CONF, 'commands.conf')],
      masterFiles: ['services-agent.conf', 'services-all.conf', 'services-passive.conf'].map((f) => join(CONF, f)),
      masterConfig,
      agents: [
        { name: AGENT, pluginDir, acceptCommands: true, acceptConfig: true },
        { name: NO_COMMANDS, pluginDir, acceptCommands: false, acceptConfig: true },
        { name: NO_CONFIG, pluginDir, acceptCommands: true, acceptConfig: false },
        { name: LOCAL_COMMANDS, pluginDir, acceptCommands: true, acceptConfig: false, localFiles: [join(CONF, 'commands.conf')] },
        { name: NO_GLOBAL_ZONE, pluginDir, acceptCommands: true, acceptConfig: true, globalZone: false },
      ],
    });
    await cluster.start();
  });

  after(async function () {
    await cluster?.stop();
    tmp?.cleanup();
  });

  async function service(host: string, name: string): Promise<any> {
    const r = await cluster!.master.api(
      'GET',
      `/v1/objects/services/${encodeURIComponent(`${host}!${name}`)}?attrs=state&attrs=last_check_result&attrs=check_command`,
    );
    expect(r.status, JSON.stringify(r.json)).to.equal(200);
    return r.json.results[0].attrs;
  }

  /** Has the master run the check now and waits (bounded) for a result that ended after the request. */
  async function checkNow(host: string, name: string): Promise<any> {
    const before = Date.now() / 1000;
    const r = await cluster!.master.api('POST', '/v1/actions/reschedule-check', {
      type: 'Service',
      filter: 'host.name==h && service.name==s',
      filter_vars: { h: host, s: name },
      force: true,
    });
    expect(r.status, JSON.stringify(r.json)).to.equal(200);
    const deadline = Date.now() + 90_000;
    for (;;) {
      const attrs = await service(host, name);
      if (attrs.last_check_result && attrs.last_check_result.execution_end >= before) return attrs;
      if (Date.now() > deadline) throw new Error(`the master did not get a result for ${host}!${name} within 90 s:\n${cluster!.logs()}`);
      await new Promise((res) => setTimeout(res, 250));
    }
  }

  it("runs a wrapped success on the agent: OK on the master, check_source the agent, the agent's PluginDir", async function () {
    const attrs = await checkNow(AGENT, 'env-sync pull_ok');
    const cr = attrs.last_check_result;
    expect(cr.check_source).to.equal(AGENT);
    expect(attrs.check_command).to.equal('env_sync');
    // The command line was built on the agent, from the CheckCommand synced through the global
    // zone and the agent's PluginDir (the master's is /usr/lib/nagios/plugins).
    expect(cr.command).to.include.members([join(pluginDir, 'check_env_sync'), '--job', 'pull_ok', '--state-dir', stateDir, '--max-age', '26h']);
    expect(cr.exit_status, cr.output).to.equal(0);
    expect(attrs.state, cr.output).to.equal(0);
    expect(cr.output).to.match(/^ENV_SYNC OK - pull_ok last run succeeded/);
  });

  it('runs a wrapped failure on the agent: CRITICAL on the master with check_source the agent', async function () {
    const direct = runPlugin('check_env_sync', ['--job', 'pull_failing', '--state-dir', stateDir, '--syslog', syslog, '--max-age', '26h']);
    const attrs = await checkNow(AGENT, 'env-sync pull_failing');
    const cr = attrs.last_check_result;
    expect(cr.check_source).to.equal(AGENT);
    expect(cr.exit_status, cr.output).to.equal(direct.status);
    expect(attrs.state, cr.output).to.equal(2);
    expect(cr.output).to.match(/^ENV_SYNC CRITICAL - pull_failing failed with exit 1/);
    expect(cr.output).to.include('psql: error: could not connect to server');
    // The first line as the master shows it: the plugin's words up to the "|", no blank before the line break.
    expect(cr.output.split('\n')[0]).to.equal(direct.stdout.split('\n')[0]!.split('|')[0]).and.to.not.match(/\s$/);
  });

  it('runs the host-wide check (check_env_sync_all) on the agent over the wrapped jobs and the unwrapped one from the inventory', async function () {
    const attrs = await checkNow(AGENT, 'env-sync all');
    const cr = attrs.last_check_result;
    expect(cr.check_source).to.equal(AGENT);
    expect(cr.command[0]).to.equal(join(pluginDir, 'check_env_sync_all'));
    expect(cr.command).to.not.include('--crontab').and.to.not.include('--user');
    // The agent's cron is not what this test judges (test/check/schedulerFacts.test.ts is): the host
    // variable reaches the plugin as --scheduler none.
    expect(cr.command.join(' ')).to.include('--scheduler none');
    expect(attrs.state, cr.output).to.equal(2);
    expect(cr.output.split('\n')[0]).to.equal('ENV_SYNC CRITICAL - 3 jobs: 2 CRITICAL (pull_failing, pull_unwrapped), 1 OK');
    expect(cr.output).to.match(/^\[CRITICAL\] pull_unwrapped failed at .+ after 15m\b/m);
    expect(cr.output).to.not.include('unwrapped jobs not seen');
  });

  it('shows UNKNOWN "Endpoint \'<agent>\' does not accept commands" for an agent without accept_commands', async function () {
    const attrs = await checkNow(NO_COMMANDS, 'env-sync pull_ok');
    expect(attrs.state).to.equal(3);
    expect(attrs.last_check_result.output).to.equal(`Endpoint '${NO_COMMANDS}' does not accept commands.`);
  });

  it('shows UNKNOWN "Check command \'env_sync\' does not exist" for an agent without accept_config (and no local commands)', async function () {
    const attrs = await checkNow(NO_CONFIG, 'env-sync pull_ok');
    expect(attrs.state).to.equal(3);
    expect(attrs.last_check_result.output).to.equal("Check command 'env_sync' does not exist.");
  });

  it('shows the same UNKNOWN for an agent with accept_config whose zones.conf lacks the global zone', async function () {
    const attrs = await checkNow(NO_GLOBAL_ZONE, 'env-sync pull_ok');
    expect(attrs.state).to.equal(3);
    expect(attrs.last_check_result.output).to.equal("Check command 'env_sync' does not exist.");
  });

  it('runs the check on an agent without accept_config that has the CheckCommands installed locally', async function () {
    const attrs = await checkNow(LOCAL_COMMANDS, 'env-sync pull_ok');
    expect(attrs.last_check_result.check_source).to.equal(LOCAL_COMMANDS);
    expect(attrs.state, attrs.last_check_result.output).to.equal(0);
    expect(attrs.last_check_result.output).to.match(/^ENV_SYNC OK - pull_ok last run succeeded/);
  });

  it('logs no "does not match anywhere" warning on the master for the variant files it includes', function () {
    expect(cluster!.master.daemon!.log()).to.include('Instantiated');
    expect(cluster!.master.daemon!.log()).to.not.match(/does not match anywhere/);
  });

  /** env-sync-run in a mount namespace of its own whose /etc/hosts names the master at 127.0.0.1. */
  function wrapperWithPrivateHosts(args: string[], command: string[]) {
    const wrapper = join(PLUGIN_DIR, 'env-sync-run');
    return spawnSync(
      'unshare',
      [
        '-m',
        '--',
        '/bin/sh',
        '-c',
        'mount --bind "$0" /etc/hosts && exec "$@"',
        hostsFile,
        wrapper,
        '--no-syslog',
        '--state-dir',
        stateDir,
        '--syslog-file',
        syslog,
        ...args,
        '--',
        ...command,
      ],
      {
        encoding: 'utf8',
        timeout: 90_000,
      },
    );
  }
  const posting = (url: string, job: string) => [
    '--job',
    job,
    '--icinga-url',
    url,
    '--icinga-user',
    'env-sync-poster',
    '--icinga-password-file',
    passwordFile,
    '--icinga-ca',
    cluster!.caCert,
    '--icinga-host',
    'sync-passive',
  ];

  it("posts the passive result to the master by the name in its certificate, TLS verified against the cluster's CA", async function () {
    const url = `https://${MASTER_NAME}:${cluster!.master.port}`;
    const r = wrapperWithPrivateHosts(posting(url, 'pull_posted'), ['/bin/sh', '-c', 'echo "restore failed" >&2; exit 3']);
    expect(r.status, r.stderr).to.equal(3);
    expect(r.stderr).to.not.match(/passive result not/);
    const direct = runPlugin('check_env_sync', ['--job', 'pull_posted', '--state-dir', stateDir, '--syslog', syslog]);
    const expected = splitPluginOutput(direct.stdout);
    const attrs = await service('sync-passive', 'env-sync pull_posted');
    expect(attrs.last_check_result, cluster!.logs()).to.not.equal(null);
    expect(attrs.last_check_result.active).to.equal(false);
    expect(attrs.last_check_result.check_source).to.equal(hostname());
    expect(attrs.last_check_result.output).to.equal(expected.pluginOutput);
    expect(attrs.state).to.equal(2);
    // The machine's own /etc/hosts never learnt the name.
    expect(spawnSync('getent', ['hosts', MASTER_NAME]).status).to.not.equal(0);
  });

  it('cannot post to https://127.0.0.1:<port>: the certificate names the master, not the address (ERR_TLS_CERT_ALTNAME_INVALID)', async function () {
    const url = `https://127.0.0.1:${cluster!.master.port}`;
    const r = wrapperWithPrivateHosts(posting(url, 'pull_posted_by_address'), ['/bin/sh', '-c', 'exit 0']);
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stderr).to.include(`TLS verification of ${url} failed (ERR_TLS_CERT_ALTNAME_INVALID)`);
    const attrs = await service('sync-passive', 'env-sync pull_posted_by_address');
    expect(attrs.last_check_result?.active ?? true, 'no passive result reached the master').to.equal(true);
  });
});
