// A private Icinga 2 instance for tests: its own config, data, log, cache, spool and run
// directories under a temp dir (constants given with -D), running as the current user, with
// the REST API bound to 127.0.0.1 only. Nothing of the system's /etc/icinga2 or /var/lib/icinga2
// is read or written.
import { startDaemon } from './daemon.js';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { userInfo } from 'node:os';
import { basename, join } from 'node:path';
import { makeTestPki } from './tls.js';

export const ICINGA2 = '/usr/sbin/icinga2';

export function requireIcinga2(): void {
  if (!existsSync(ICINGA2)) {
    throw new Error(`${ICINGA2} is missing: install the Debian package icinga2 (bash scripts/test-deps.sh)`);
  }
}

export interface Icinga2Setup {
  /** Root of the private instance (a temp dir the caller owns and removes). */
  dir: string;
  /** PluginDir constant: where check_env_sync and friends are found. */
  pluginDir: string;
  /** Files for the global zone (CheckCommands), copied to zones.d/global-templates/. */
  globalFiles: string[];
  /** Files for the master zone (apply rules, hosts), copied to zones.d/master/. */
  masterFiles: string[];
  /** Extra configuration text placed in the master zone. */
  extraMasterConfig?: string;
  /** Enables the REST API on 127.0.0.1:port with an ApiUser (and, given, more permissions than a poster's). */
  api?: { port: number; user: string; password: string; permissions?: string[] };
}

const NODE_NAME = 'localhost';

function paths(dir: string) {
  return {
    conf: join(dir, 'etc'),
    zones: join(dir, 'etc', 'zones.d'),
    data: join(dir, 'lib'),
    log: join(dir, 'log'),
    cache: join(dir, 'cache'),
    spool: join(dir, 'spool'),
    run: join(dir, 'run'),
  };
}

/** -D constants pointing every path of the daemon into dir, and running it as the current user. */
export function icinga2Defines(dir: string): string[] {
  const p = paths(dir);
  const me = userInfo();
  const group = spawnSync('id', ['-gn'], { encoding: 'utf8' }).stdout.trim() || String(me.gid);
  const defs: Record<string, string> = {
    'Configuration.ConfigDir': p.conf,
    'Configuration.ZonesDir': p.zones,
    'Configuration.DataDir': p.data,
    'Configuration.LogDir': p.log,
    'Configuration.CacheDir': p.cache,
    'Configuration.SpoolDir': p.spool,
    'Configuration.InitRunDir': p.run,
    'Configuration.PidPath': join(p.run, 'icinga2.pid'),
    'Configuration.ObjectsPath': join(p.cache, 'icinga2.debug'),
    'Configuration.VarsPath': join(p.cache, 'icinga2.vars'),
    'Configuration.ModAttrPath': join(p.data, 'modified-attributes.conf'),
    // Stay the user that started the tests (root in CI): icinga2 otherwise switches to nagios,
    // which cannot write the temp dirs.
    'Configuration.RunAsUser': me.username,
    'Configuration.RunAsGroup': group,
  };
  return Object.entries(defs).map(([k, v]) => `-D${k}=${v}`);
}

/** Writes icinga2.conf, zones and (with api) certificates and the ApiListener/ApiUser into dir. */
export function writeIcinga2Config(s: Icinga2Setup): { configFile: string; caCert?: string } {
  const p = paths(s.dir);
  for (const d of Object.values(p)) mkdirSync(d, { recursive: true });
  const master = join(p.zones, 'master');
  const global = join(p.zones, 'global-templates');
  mkdirSync(master, { recursive: true });
  mkdirSync(global, { recursive: true });
  for (const f of s.globalFiles) copyFileSync(f, join(global, basename(f)));
  for (const f of s.masterFiles) copyFileSync(f, join(master, basename(f)));
  if (s.extraMasterConfig) writeFileSync(join(master, 'zz-test.conf'), s.extraMasterConfig);

  let caCert: string | undefined;
  let apiConf = '';
  if (s.api) {
    // ApiListener finds its certificate as DataDir/certs/<NodeName>.{crt,key} and ca.crt.
    const certs = join(p.data, 'certs');
    mkdirSync(certs, { recursive: true });
    const pki = makeTestPki(certs, 'icinga2');
    copyFileSync(pki.serverCert, join(certs, `${NODE_NAME}.crt`));
    copyFileSync(pki.serverKey, join(certs, `${NODE_NAME}.key`));
    copyFileSync(pki.caCert, join(certs, 'ca.crt'));
    caCert = pki.caCert;
    apiConf = `
object ApiListener "api" {
  bind_host = "127.0.0.1"
  bind_port = ${s.api.port}
  accept_config = false
  accept_commands = false
}
object ApiUser ${JSON.stringify(s.api.user)} {
  password = ${JSON.stringify(s.api.password)}
  permissions = ${JSON.stringify(['actions/process-check-result', 'actions/reschedule-check', 'objects/query/Host', 'objects/query/Service', 'status/query', ...(s.api.permissions ?? [])]).replace(/,/g, ', ')}
}
`;
  }
  const configFile = join(p.conf, 'icinga2.conf');
  writeFileSync(
    configFile,
    `// Private test instance (test/support/icinga2.ts)
const PluginDir = ${JSON.stringify(s.pluginDir)}
const NodeName = "${NODE_NAME}"
const ZoneName = "master"
object Endpoint NodeName { }
object Zone ZoneName { endpoints = [ NodeName ] }
object Zone "global-templates" { global = true }
include <itl>
include <plugins>
object CheckerComponent "checker" { }
${apiConf}
`,
  );
  return caCert ? { configFile, caCert } : { configFile };
}

/** `icinga2 daemon -C` on the private instance: its exit code and everything it printed. */
export function validateIcinga2(dir: string, configFile: string): { status: number | null; output: string } {
  requireIcinga2();
  const r = spawnSync(ICINGA2, ['daemon', '-C', '-c', configFile, ...icinga2Defines(dir)], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

export interface RunningIcinga2 {
  url: string;
  caCert: string;
  user: string;
  password: string;
  /** Everything the daemon printed so far (for failure messages). */
  log(): string;
  api: Icinga2Api;
  stop(): Promise<void>;
}

export type Icinga2Api = (method: 'GET' | 'POST', path: string, body?: unknown) => Promise<{ status: number; json: any }>;

/**
 * A client for an Icinga 2 REST API, TLS verified against ca. servername is the name the
 * certificate must carry when the URL's host does not (an API on 127.0.0.1 whose certificate names
 * its NodeName).
 */
export function icinga2ApiClient(url: string, ca: Buffer, user: string, password: string, servername?: string): Icinga2Api {
  const auth = 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
  return (method, path, body) =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        `${url}${path}`,
        {
          method,
          ca,
          ...(servername ? { servername } : {}),
          headers: {
            Accept: 'application/json',
            Authorization: auth,
            ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } : {}),
          },
          agent: false,
          timeout: 10_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: unknown = undefined;
            try {
              json = JSON.parse(text);
            } catch {
              json = text;
            }
            resolve({ status: res.statusCode ?? 0, json });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.end(payload);
    });
}

export async function startIcinga2(s: Icinga2Setup & { api: NonNullable<Icinga2Setup['api']> }): Promise<RunningIcinga2> {
  requireIcinga2();
  const { configFile, caCert } = writeIcinga2Config(s);
  const ca = readFileSync(caCert!);
  const daemon = startDaemon(ICINGA2, ['daemon', '-c', configFile, ...icinga2Defines(s.dir)], {
    // own process group: stop() ends the daemon and its helper processes together
  });

  const url = `https://127.0.0.1:${s.api.port}`;
  const api = icinga2ApiClient(url, ca, s.api.user, s.api.password);

  const stop = daemon.stop;

  // Ready when the API answers for our objects.
  const deadline = Date.now() + 45_000;
  for (;;) {
    if (daemon.exited()) throw new Error(`icinga2 exited during start-up:\n${daemon.log().slice(-4000)}`);
    try {
      const r = await api('GET', '/v1/status/IcingaApplication');
      if (r.status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`icinga2 API on ${url} did not come up within 45 s:\n${daemon.log().slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, caCert: caCert!, user: s.api.user, password: s.api.password, log: daemon.log, api, stop };
}

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
