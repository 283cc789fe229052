// A private Icinga 2 cluster for tests and the benchmark: one master and any number of agents, each an
// icinga2 daemon with its own directories (the -D constants of icinga2.ts), its API on 127.0.0.1,
// and certificates from `icinga2 pki` (a CA in the master's data directory, as `icinga2 node wizard`
// makes it). Agents connect to the master, as the node wizard sets them up. Nothing of the system's
// /etc/icinga2 or /var/lib/icinga2 is read or written.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { startDaemon, type Daemon } from './daemon.js';
import { freePort, ICINGA2, icinga2ApiClient, icinga2Defines, requireIcinga2, type Icinga2Api } from './icinga2.js';

/** The master's NodeName: the name in its API certificate, so the name a passive poster's URL must use. */
export const MASTER_NAME = 'icinga-master.env-sync.test';
export const MASTER_ZONE = 'master';
export const GLOBAL_ZONE = 'global-templates';

export interface AgentSpec {
  /** NodeName, Endpoint and Zone name of the agent. */
  name: string;
  /** PluginDir on the agent: where its check_env_sync and friends are. */
  pluginDir: string;
  acceptCommands: boolean;
  acceptConfig: boolean;
  /** Whether its zones.conf declares the global zone (default true, as the node wizard writes it). */
  globalZone?: boolean;
  /** Configuration files the agent includes itself (e.g. the CheckCommands, installed locally). */
  localFiles?: string[];
}

export interface ClusterSpec {
  /** A temp dir the caller owns; each node gets dir/<name>. */
  dir: string;
  /** Files for the global zone on the master (synced to agents that accept config). */
  globalFiles: string[];
  /** Files for the master zone (apply rules). */
  masterFiles: string[];
  /** Hosts, ApiUsers … placed in the master zone as a file of its own. */
  masterConfig: string;
  agents: AgentSpec[];
  /** The tests' own ApiUser, on every node. */
  apiUser?: { user: string; password: string };
  /** Extra permissions of that ApiUser on the master (e.g. events/* for the event stream). */
  masterPermissions?: string[];
  /** The daemons' environment (the plug-ins they start inherit it); default the caller's. */
  env?: NodeJS.ProcessEnv;
}

export interface ClusterNode {
  name: string;
  dir: string;
  port: number;
  /** https://127.0.0.1:<port>; the certificate names `name`, so clients verify against that. */
  url: string;
  api: Icinga2Api;
  /** Set by start(). */
  daemon?: Daemon;
  /** The daemon's process group (its umbrella process, worker and plug-in helpers); 0 before start(). */
  pid: number;
}

const QUERY_PERMISSIONS = ['objects/query/*', 'status/query', 'actions/reschedule-check'];

function icinga2(args: string[], dir: string): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile(ICINGA2, [...args, ...icinga2Defines(dir)], { encoding: 'utf8', timeout: 120_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`icinga2 ${args.join(' ')} failed (${err.message.split('\n')[0]}):\n${stdout}${stderr}`)) : resolve(),
    ),
  );
}

/**
 * A CA in the master's DataDir/ca (`icinga2 pki new-ca`), and for every node a key and a certificate
 * signed by it (`pki new-cert`, `pki sign-csr`) where its ApiListener looks: DataDir/certs/<name>.crt,
 * .key and ca.crt. Returns the CA certificate. The keys (4096-bit RSA, seconds of CPU each) are made
 * at the same time.
 */
export async function makeClusterPki(masterDir: string, nodes: Array<{ name: string; dir: string }>): Promise<string> {
  requireIcinga2();
  mkdirSync(join(masterDir, 'lib'), { recursive: true });
  const certs = (n: { name: string; dir: string }) => join(n.dir, 'lib', 'certs');
  const file = (n: { name: string; dir: string }, ext: string) => join(certs(n), `${n.name}.${ext}`);
  for (const n of nodes) mkdirSync(certs(n), { recursive: true });
  await Promise.all([
    icinga2(['pki', 'new-ca'], masterDir),
    ...nodes.map((n) => icinga2(['pki', 'new-cert', '--cn', n.name, '--key', file(n, 'key'), '--csr', file(n, 'csr')], n.dir)),
  ]);
  const caCert = join(masterDir, 'lib', 'ca', 'ca.crt');
  for (const n of nodes) {
    await icinga2(['pki', 'sign-csr', '--csr', file(n, 'csr'), '--cert', file(n, 'crt')], masterDir);
    copyFileSync(caCert, join(certs(n), 'ca.crt'));
  }
  return caCert;
}

function mkdirs(dir: string): void {
  for (const d of ['etc/zones.d', 'lib', 'log', 'cache', 'spool', 'run']) mkdirSync(join(dir, d), { recursive: true });
}

const q = (s: string) => JSON.stringify(s);

function apiUserConf(u: { user: string; password: string }, permissions: string[]): string {
  return `object ApiUser ${q(u.user)} {\n  password = ${q(u.password)}\n  permissions = ${JSON.stringify(permissions)}\n}\n`;
}

/**
 * A master and agents, started together. Create it, keep it where an after hook can reach it, then
 * await start(): stop() ends every daemon started so far, also when start() failed or timed out.
 */
export class Icinga2Cluster {
  readonly caCert: string;
  readonly master: ClusterNode;
  readonly agents: Record<string, ClusterNode> = {};
  readonly apiUser: { user: string; password: string };
  private readonly started: Daemon[] = [];

  private constructor(
    private readonly spec: ClusterSpec,
    ports: number[],
    caCert: string,
  ) {
    this.apiUser = spec.apiUser ?? { user: 'test', password: 'test-secret' };
    this.caCert = caCert;
    const masterDir = join(spec.dir, 'master');
    const ca = readFileSync(this.caCert);
    const node = (name: string, dir: string, port: number): ClusterNode => {
      const url = `https://127.0.0.1:${port}`;
      return { name, dir, port, url, api: icinga2ApiClient(url, ca, this.apiUser.user, this.apiUser.password, name), pid: 0 };
    };
    this.master = node(MASTER_NAME, masterDir, ports[0]!);
    for (const [i, a] of spec.agents.entries()) this.agents[a.name] = node(a.name, join(spec.dir, a.name), ports[i + 1]!);
    this.writeMaster();
    for (const a of spec.agents) this.writeAgent(a);
  }

  /** Writes the nodes' configuration and certificates (ports chosen now); start() starts them. */
  static async create(spec: ClusterSpec): Promise<Icinga2Cluster> {
    requireIcinga2();
    const nodes = [{ name: MASTER_NAME, dir: join(spec.dir, 'master') }, ...spec.agents.map((a) => ({ name: a.name, dir: join(spec.dir, a.name) }))];
    for (const n of nodes) mkdirs(n.dir);
    const caCert = await makeClusterPki(nodes[0]!.dir, nodes);
    const ports: number[] = [];
    for (let i = 0; i <= spec.agents.length; i++) ports.push(await freePort());
    return new Icinga2Cluster(spec, ports, caCert);
  }

  private zones(): string {
    const agents = this.spec.agents
      .map((a) => `object Endpoint ${q(a.name)} { }\nobject Zone ${q(a.name)} {\n  endpoints = [ ${q(a.name)} ]\n  parent = ${q(MASTER_ZONE)}\n}\n`)
      .join('');
    return `object Endpoint ${q(MASTER_NAME)} { }\nobject Zone ${q(MASTER_ZONE)} { endpoints = [ ${q(MASTER_NAME)} ] }\n${agents}object Zone ${q(GLOBAL_ZONE)} { global = true }\n`;
  }

  private writeMaster(): void {
    const m = this.master;
    const zonesD = join(m.dir, 'etc', 'zones.d');
    for (const [zone, files] of [
      [MASTER_ZONE, this.spec.masterFiles],
      [GLOBAL_ZONE, this.spec.globalFiles],
    ] as const) {
      mkdirSync(join(zonesD, zone), { recursive: true });
      for (const f of files) copyFileSync(f, join(zonesD, zone, basename(f)));
    }
    writeFileSync(join(zonesD, MASTER_ZONE, 'zz-test.conf'), this.spec.masterConfig);
    writeFileSync(
      join(m.dir, 'etc', 'icinga2.conf'),
      `// Private test master (test/support/icinga2Cluster.ts)
const PluginDir = "/usr/lib/nagios/plugins"
const NodeName = ${q(MASTER_NAME)}
const ZoneName = ${q(MASTER_ZONE)}
${this.zones()}
include <itl>
include <plugins>
object CheckerComponent "checker" { }
object ApiListener "api" {
  bind_host = "127.0.0.1"
  bind_port = ${m.port}
  accept_config = false
  accept_commands = false
}
${apiUserConf(this.apiUser, [...QUERY_PERMISSIONS, ...(this.spec.masterPermissions ?? [])])}`,
    );
  }

  private writeAgent(a: AgentSpec): void {
    const n = this.agents[a.name]!;
    // The agent knows the master and the global zone from its own zones.conf (as the node wizard
    // writes it); objects of the global zone arrive from the master when accept_config is true.
    writeFileSync(
      join(n.dir, 'etc', 'icinga2.conf'),
      `// Private test agent (test/support/icinga2Cluster.ts)
const PluginDir = ${q(a.pluginDir)}
const NodeName = ${q(a.name)}
const ZoneName = ${q(a.name)}
object Endpoint ${q(MASTER_NAME)} {
  host = "127.0.0.1"
  port = ${this.master.port}
}
object Zone ${q(MASTER_ZONE)} { endpoints = [ ${q(MASTER_NAME)} ] }
object Endpoint NodeName { }
object Zone ZoneName {
  endpoints = [ NodeName ]
  parent = ${q(MASTER_ZONE)}
}
${a.globalZone === false ? '' : `object Zone ${q(GLOBAL_ZONE)} { global = true }\n`}include <itl>
include <plugins>
object CheckerComponent "checker" { }
${(a.localFiles ?? []).map((f) => `include ${q(f)}\n`).join('')}object ApiListener "api" {
  bind_host = "127.0.0.1"
  bind_port = ${n.port}
  accept_config = ${a.acceptConfig}
  accept_commands = ${a.acceptCommands}
}
${apiUserConf(this.apiUser, QUERY_PERMISSIONS)}`,
    );
  }

  private startNode(n: ClusterNode): void {
    n.daemon = startDaemon(
      ICINGA2,
      ['daemon', '-c', join(n.dir, 'etc', 'icinga2.conf'), ...icinga2Defines(n.dir)],
      this.spec.env ? { env: this.spec.env } : {},
    );
    this.started.push(n.daemon);
    n.pid = n.daemon.pid;
  }

  /** Polls test() every 250 ms until it holds or the deadline (ms since the epoch) passed; a daemon that exits ends the wait. */
  async waitFor(what: string, test: () => Promise<boolean>, deadline: number): Promise<void> {
    for (;;) {
      const dead = [this.master, ...Object.values(this.agents)].find((n) => n.daemon?.exited());
      if (dead) throw new Error(`icinga2 ${dead.name} exited while waiting for ${what}:\n${dead.daemon!.log().slice(-4000)}`);
      try {
        if (await test()) return;
      } catch {
        /* not listening yet, or restarting */
      }
      if (Date.now() > deadline) throw new Error(`${what}: not in time.\n${this.logs()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** The end of every node's log, for failure messages. */
  logs(chars = 3000): string {
    return [this.master, ...Object.values(this.agents)].map((n) => `--- ${n.name}:\n${n.daemon?.log().slice(-chars) ?? '(not started)'}`).join('\n');
  }

  /**
   * Starts every daemon and waits until the cluster can run checks: each API answers, each agent is
   * connected to the master (seen from both sides), and agents that accept config have the global
   * zone's CheckCommand syncCheck (they reload once it arrived; connected is checked after that). An
   * agent without the global zone in its zones.conf ignores it: there is nothing to wait for.
   */
  async start(syncCheck = 'env_sync', boundMs = 150_000): Promise<void> {
    const deadline = Date.now() + boundMs;
    this.startNode(this.master);
    for (const n of Object.values(this.agents)) this.startNode(n);
    const ok = async (n: ClusterNode, path: string) => (await n.api('GET', path)).status === 200;
    await this.waitFor(`the master's API`, () => ok(this.master, '/v1/status/IcingaApplication'), deadline);
    for (const a of this.spec.agents) {
      const n = this.agents[a.name]!;
      if (a.acceptConfig && a.globalZone !== false)
        await this.waitFor(`CheckCommand ${syncCheck} synced to ${a.name}`, () => ok(n, `/v1/objects/checkcommands/${syncCheck}`), deadline);
      await this.waitFor(
        `${a.name} connected to the master`,
        async () => {
          const there = await n.api('GET', `/v1/objects/endpoints/${encodeURIComponent(MASTER_NAME)}?attrs=connected`);
          const here = await this.master.api('GET', `/v1/objects/endpoints/${encodeURIComponent(a.name)}?attrs=connected`);
          return there.json?.results?.[0]?.attrs?.connected === true && here.json?.results?.[0]?.attrs?.connected === true;
        },
        deadline,
      );
    }
  }

  /**
   * Stops every daemon started (by its process group), whatever state start() reached. Agents first:
   * a master told to stop while agents are connected to it did not exit within 15 s (and was killed).
   */
  async stop(): Promise<void> {
    const master = this.master.daemon;
    await Promise.all(this.started.filter((d) => d !== master).map((d) => d.stop()));
    if (master) await master.stop();
  }
}
