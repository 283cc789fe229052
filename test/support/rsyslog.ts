// A real rsyslogd for tests: listens on a private unix socket (never /dev/log) and writes every
// message to a file in a temp directory.
//   const rs = await startRsyslog({ format: 'traditional' | 'rfc3339' });
//   env ENV_SYNC_SYSLOG_SOCKET=rs.socket for the wrapper and the sample sync; read rs.file;
//   await rs.waitFor(/event=finish/); await rs.stop();
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from './tmp.js';

export interface Rsyslog {
  dir: string;
  socket: string;
  file: string;
  read(): string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

export function rsyslogdPath(): string {
  for (const p of ['/usr/sbin/rsyslogd', '/sbin/rsyslogd']) if (existsSync(p)) return p;
  const w = spawnSync('sh', ['-c', 'command -v rsyslogd']).stdout?.toString().trim();
  if (w) return w;
  throw new Error('rsyslogd is not installed: run `bash scripts/test-deps.sh` as root, or apt-get install -y rsyslog');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startRsyslog(opts: { format?: 'traditional' | 'rfc3339' } = {}): Promise<Rsyslog> {
  const bin = rsyslogdPath();
  const { dir, cleanup } = makeTempDir('env-sync-rsyslog-');
  const socket = join(dir, 'log.sock');
  const file = join(dir, 'syslog');
  mkdirSync(join(dir, 'work'));
  const template = opts.format === 'rfc3339' ? 'RSYSLOG_FileFormat' : 'RSYSLOG_TraditionalFileFormat';
  const conf = join(dir, 'rsyslog.conf');
  // RateLimit.Interval=0: rsyslog's per-process rate limit would otherwise drop a burst of output lines.
  writeFileSync(
    conf,
    `global(workDirectory="${dir}/work")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="${socket}" CreatePath="on" RateLimit.Interval="0")
*.* action(type="omfile" file="${file}" template="${template}" fileCreateMode="0644")
`,
  );
  const proc: ChildProcess = spawn(bin, ['-n', '-f', conf, '-i', join(dir, 'rsyslogd.pid')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (d) => (stderr += d));
  for (let i = 0; i < 200 && !existsSync(socket); i++) {
    if (proc.exitCode !== null) break;
    await sleep(25);
  }
  if (!existsSync(socket)) {
    proc.kill('SIGKILL');
    cleanup();
    throw new Error(`rsyslogd did not create ${socket}: ${stderr.trim()}`);
  }
  const read = () => (existsSync(file) ? readFileSync(file, 'utf8') : '');
  return {
    dir,
    socket,
    file,
    read,
    async waitFor(pattern, timeoutMs = 10_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const text = read();
        if (pattern.test(text)) return text;
        if (Date.now() > end) throw new Error(`rsyslog file ${file} has no line matching ${pattern} after ${timeoutMs} ms; it has:\n${text.slice(-3000)}`);
        await sleep(50);
      }
    },
    async stop() {
      if (proc.exitCode === null) {
        proc.kill('SIGTERM');
        await new Promise((r) => proc.once('exit', r));
      }
      cleanup();
    },
  };
}
