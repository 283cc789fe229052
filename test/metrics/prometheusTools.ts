// Prometheus' own tools for the metrics tests, from Debian: promtool and prometheus (package
// prometheus), node_exporter (package prometheus-node-exporter) and the Pushgateway (package
// prometheus-pushgateway). A missing one fails the test and names its package.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { startDaemon } from '../support/daemon.js';
import { run, sleep, type Result } from '../support/proc.js';

export const PROMTOOL = '/usr/bin/promtool';
export const NODE_EXPORTER = '/usr/bin/prometheus-node-exporter';
/** The user Debian's node_exporter runs as: our files must be readable by it. */
export const NODE_EXPORTER_USER = 'prometheus';

function need(path: string, pkg: string): void {
  if (!existsSync(path)) throw new Error(`${path} is missing: install the Debian package ${pkg} (bash scripts/test-deps.sh)`);
}

export function promtool(args: string[], input?: string): Promise<Result> {
  need(PROMTOOL, 'prometheus');
  return run(PROMTOOL, args, input === undefined ? {} : { input });
}

/** `promtool check metrics` reads an exposition text on stdin and lints it. */
export const checkMetrics = (text: string) => promtool(['check', 'metrics'], text);

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const unescapeLabel = (v: string) => v.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));

/** The samples of a text exposition (what node_exporter serves): name, labels, value. */
export function parseExposition(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g)) labels[l[1]!] = unescapeLabel(l[2]!);
    const v = m[3]!;
    out.push({ name: m[1]!, labels, value: v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : Number(v) });
  }
  return out;
}

/**
 * One key per series as Prometheus tells series apart: labels in name order (node_exporter sorts
 * them) and an empty label the same as none (node_exporter gives every series of a family all the
 * family's labels, `part=""` where we wrote none).
 */
export function seriesKey(name: string, labels: Record<string, string>): string {
  return `${name}{${Object.keys(labels)
    .filter((k) => labels[k] !== '')
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(',')}}`;
}

export function seriesMap(text: string): Map<string, number> {
  return new Map(parseExposition(text).map((s) => [seriesKey(s.name, s.labels), s.value]));
}

export interface RunningNodeExporter {
  url: string;
  metrics(): Promise<string>;
  log(): string;
  stop(): Promise<void>;
}

async function curl(url: string): Promise<Result> {
  return run('curl', ['--silent', '--show-error', '--fail', '--max-time', '10', url]);
}

/**
 * node_exporter on 127.0.0.1:port as Debian runs it (user prometheus), with only the textfile collector
 * and without its own process and Go metrics, reading `dir`.
 */
export async function startNodeExporter(dir: string, port: number): Promise<RunningNodeExporter> {
  need(NODE_EXPORTER, 'prometheus-node-exporter');
  if (spawnSync('id', ['-u', NODE_EXPORTER_USER]).status !== 0)
    throw new Error(`user ${NODE_EXPORTER_USER} is missing: install the Debian package prometheus-node-exporter (bash scripts/test-deps.sh)`);
  const daemon = startDaemon('setpriv', [
    `--reuid=${NODE_EXPORTER_USER}`,
    `--regid=${NODE_EXPORTER_USER}`,
    '--clear-groups',
    NODE_EXPORTER,
    `--web.listen-address=127.0.0.1:${port}`,
    '--web.disable-exporter-metrics',
    '--collector.disable-defaults',
    '--collector.textfile',
    `--collector.textfile.directory=${dir}`,
  ]);
  const url = `http://127.0.0.1:${port}/metrics`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (daemon.exited()) throw new Error(`node_exporter exited during start-up:\n${daemon.log()}`);
    const r = await curl(url);
    if (r.code === 0) break;
    if (Date.now() > deadline) {
      await daemon.stop();
      throw new Error(`node_exporter on ${url} did not answer within 20 s: ${r.stderr}\n${daemon.log()}`);
    }
    await sleep(100);
  }
  return {
    url,
    log: daemon.log,
    stop: daemon.stop,
    async metrics() {
      const r = await curl(url);
      if (r.code !== 0) throw new Error(`curl ${url} failed (exit ${r.code}): ${r.stderr}\n${daemon.log()}`);
      return r.stdout;
    },
  };
}

export const PUSHGATEWAY = '/usr/bin/prometheus-pushgateway';
export const PROMETHEUS = '/usr/bin/prometheus';

export interface RunningServer {
  /** http://127.0.0.1:port */
  base: string;
  get(path: string): Promise<string>;
  log(): string;
  stop(): Promise<void>;
}

/** Starts a daemon and waits until `readyPath` answers, or it exits, or 30 s pass. */
async function startHttpDaemon(what: string, cmd: string, args: string[], port: number, readyPath: string): Promise<RunningServer> {
  const daemon = startDaemon(cmd, args);
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (daemon.exited()) throw new Error(`${what} exited during start-up:\n${daemon.log()}`);
    const r = await curl(`${base}${readyPath}`);
    if (r.code === 0) break;
    if (Date.now() > deadline) {
      await daemon.stop();
      throw new Error(`${what} on ${base} was not ready within 30 s: ${r.stderr}\n${daemon.log()}`);
    }
    await sleep(100);
  }
  return {
    base,
    log: daemon.log,
    stop: daemon.stop,
    async get(path) {
      const r = await curl(`${base}${path}`);
      if (r.code !== 0) throw new Error(`curl ${base}${path} failed (exit ${r.code}): ${r.stderr}\n${daemon.log()}`);
      return r.stdout;
    },
  };
}

/** Debian's Pushgateway on 127.0.0.1:port, keeping nothing on disk (its packaged default is a file under /var/lib/prometheus). */
export function startPushgateway(port: number): Promise<RunningServer> {
  need(PUSHGATEWAY, 'prometheus-pushgateway');
  return startHttpDaemon('the Pushgateway', PUSHGATEWAY, [`--web.listen-address=127.0.0.1:${port}`, '--persistence.file='], port, '/-/ready');
}

/**
 * Debian's Prometheus on 127.0.0.1:port with its data in `dir`, scraping `target` (host:port) every
 * second with honor_labels (as a Pushgateway must be scraped) and evaluating `rules` every second.
 */
export function startPrometheus(dir: string, port: number, target: string, rules: string): Promise<RunningServer> {
  need(PROMETHEUS, 'prometheus');
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      'rule_files:',
      `  - ${JSON.stringify(rules)}`,
      'scrape_configs:',
      '  - job_name: pushgateway',
      '    honor_labels: true',
      '    static_configs:',
      `      - targets: [${JSON.stringify(target)}]`,
      '',
    ].join('\n'),
  );
  return startHttpDaemon(
    'Prometheus',
    PROMETHEUS,
    [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
    port,
    '/-/ready',
  );
}
