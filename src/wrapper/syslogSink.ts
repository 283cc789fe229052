import { spawn, type ChildProcess } from 'node:child_process';
import type { LineSink } from './outputTap.js';

// Lines waiting for logger beyond this are dropped (and counted): the sync must never wait on syslog,
// and the wrapper's memory must not grow with a slow or stuck syslog daemon.
const MAX_QUEUED_BYTES = 1 << 20;

/**
 * One long-lived `logger` process for one tag and priority. Uses logger(1) because Node has no unix
 * datagram sockets; logger speaks to /dev/log (or --syslog-socket) exactly as the sync script does.
 * logger is started by the first line, not before: a sync that prints nothing on stderr never
 * pays for a logger there (a process start each).
 */
export class SyslogSink implements LineSink {
  private proc: ChildProcess | null = null;
  private started = false;
  private failed: string | null = null;
  dropped = 0;

  constructor(
    private readonly tag: string,
    private readonly priority: string,
    private readonly socket: string,
    private readonly onFailure: (why: string) => void,
  ) {}

  private stdin(): (NodeJS.WritableStream & { writableLength: number; destroyed: boolean }) | null {
    if (!this.started) this.start();
    return this.proc?.stdin ?? null;
  }

  private start(): void {
    this.started = true;
    const args = ['--tag', this.tag, `--id=${process.pid}`, '--priority', this.priority, '--size', '8192', '--socket', this.socket, '--socket-errors=on'];
    const proc = spawn('logger', args, { stdio: ['pipe', 'ignore', 'pipe'] });
    this.proc = proc;
    let err = '';
    proc.stderr?.on('data', (d: Buffer) => {
      if (err.length < 500) err += d.toString();
    });
    const fail = (why: string) => {
      if (this.failed) return;
      this.failed = why;
      this.onFailure(why);
    };
    proc.on('error', (e) => fail(`cannot run logger: ${e.message}`));
    proc.on('exit', (code) => {
      if (code !== 0) fail(`logger exited ${code}${err ? `: ${err.trim().split('\n')[0]}` : ''}`);
    });
    // A write error comes before logger's exit; its reason arrives with the exit, so only note it here.
    proc.stdin?.on('error', () => undefined);
  }

  get broken(): boolean {
    return this.failed !== null;
  }

  write(line: string): void {
    const stdin = this.stdin();
    if (!stdin || this.failed || stdin.destroyed) {
      this.dropped++;
      return;
    }
    if (stdin.writableLength > MAX_QUEUED_BYTES) {
      this.dropped++;
      return;
    }
    stdin.write(`${line.length === 0 ? ' ' : line}\n`);
  }

  /** Newline-ended lines in one write (logger splits them); dropped whole when logger lags. */
  writeBlock(block: Buffer, count: number): void {
    const stdin = this.stdin();
    if (!stdin || this.failed || stdin.destroyed || stdin.writableLength > MAX_QUEUED_BYTES) {
      this.dropped += count;
      return;
    }
    stdin.write(block);
  }

  /** Ends logger's input and waits (bounded) for it to hand the last lines to syslog. */
  close(timeoutMs = 2000): Promise<void> {
    const proc = this.proc;
    this.proc = null;
    this.started = true; // nothing starts a logger after close
    if (!proc || proc.exitCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        resolve();
      }, timeoutMs);
      proc.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      proc.stdin?.end();
    });
  }
}
