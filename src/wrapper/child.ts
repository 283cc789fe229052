// The wrapped command as a child: its own process group, output passed through byte for byte and
// copied (tail, syslog), signals forwarded, the time limit enforced on the whole group.
import { formatEvent } from '../common/wrapperEvent.js';
import { spawn } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import type { Outcome } from '../markers/types.js';
import { writeAll } from '../output/writeAll.js';
import { EXIT_TIMEOUT } from './options.js';
import { OutputTail, OutputTap, type LineSink } from './outputTap.js';
import { REDACTOR } from '../common/redact.js';
import type { RunReporter } from './report.js';

const FORWARDED = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;
// After the command exits, output still held open by a grandchild is followed this long, then let go.
const DRAIN_AFTER_EXIT_MS = 1000;

export interface Finished {
  outcome: Outcome;
  exitCode: number;
  signal: string | null;
  message: string | null;
}

export interface ChildSpec {
  job: string;
  runId: string;
  command: string[];
  timeoutSeconds: number | null;
  killAfterSeconds: number;
  /** The words of a timeout's message; default `stopped after --timeout Ns`. */
  timeoutMessage?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function signalNumber(name: string): number {
  return (osConstants.signals as Record<string, number>)[name] ?? 0;
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    /* group already gone */
  }
}

/**
 * Runs the command to its end. `onSpawned` is told the child's pid as soon as spawn() returns it
 * (before any output); a command that cannot start is a spawn-error with 127 or 126.
 */
export function runChild(spec: ChildSpec, tail: OutputTail, reporter: RunReporter, onSpawned: (pid: number) => void): Promise<Finished> {
  return new Promise((resolve) => {
    const [file, ...args] = spec.command as [string, ...string[]];
    let received: string | null = null;
    let timedOut = false;
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    // A command that cannot start, whichever way spawn says so: said on stderr and as the run's event.
    const spawnError = (exitCode: number, message: string): Finished => {
      process.stderr.write(`env-sync-run: ${message}\n`);
      reporter.event(
        formatEvent(
          'spawn-error',
          spec.job,
          [
            ['run', spec.runId],
            ['exit', exitCode],
          ],
          message,
        ),
      );
      return { outcome: 'spawn-error', exitCode, signal: null, message };
    };
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(file, args, { detached: true, stdio: ['inherit', 'pipe', 'pipe'] });
    } catch (err) {
      // spawn() throws, rather than emitting 'error', for arguments it refuses outright (an empty name).
      const message = `command cannot be run: ${JSON.stringify(file)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
      resolve(spawnError(127, message));
      return;
    }
    const pgid = child.pid;

    const forward = (sig: NodeJS.Signals) => {
      received = sig;
      if (pgid) killGroup(pgid, sig);
    };
    const handlers = FORWARDED.map((sig) => {
      const h = () => forward(sig);
      process.on(sig, h);
      return [sig, h] as const;
    });

    const finish = (f: Finished) => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      for (const [sig, h] of handlers) process.off(sig, h);
      resolve(f);
    };

    child.on('error', (err: NodeJS.ErrnoException) => {
      const notFound = err.code === 'ENOENT';
      const exitCode = notFound ? 127 : 126;
      const message = `${notFound ? 'command not found' : 'command cannot be run'}: ${file} (${err.code ?? err.message})`;
      finish(spawnError(exitCode, message));
    });
    if (!pgid) return;
    onSpawned(pgid);

    const tap = (stream: NodeJS.ReadableStream, fd: number, sink: LineSink | null) => {
      // Copies of the output (marker tail, syslog) get secrets redacted; the pass-through does not.
      const copies = new OutputTap(tail, sink, REDACTOR);
      stream.on('data', (chunk: Buffer) => {
        // A blocking write, as Node writes stdout itself on Linux: a slow reader of our output slows
        // the child, as it would without the wrapper, instead of growing a buffer here. A reader
        // that went away (EPIPE) is ignored: the sync goes on.
        writeAll(fd, chunk);
        copies.push(chunk);
      });
      stream.on('end', () => copies.end());
    };
    tap(child.stdout!, 1, reporter.stdoutSink());
    tap(child.stderr!, 2, reporter.stderrSink());

    if (spec.timeoutSeconds !== null) {
      timers.push(
        setTimeout(() => {
          timedOut = true;
          reporter.event(
            formatEvent('timeout', spec.job, [
              ['run', spec.runId],
              ['after', `${spec.timeoutSeconds}s`],
              ['signal', 'SIGTERM'],
            ]),
          );
          killGroup(pgid, 'SIGTERM');
          timers.push(setTimeout(() => killGroup(pgid, 'SIGKILL'), spec.killAfterSeconds * 1000));
        }, spec.timeoutSeconds * 1000),
      );
    }

    let streamsOpen = 2;
    let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    const maybeDone = async () => {
      if (!exitInfo || streamsOpen > 0) return;
      if (timedOut) {
        // The whole group must be gone, grandchildren included, before a timeout is reported.
        const deadline = Date.now() + spec.killAfterSeconds * 1000;
        while (groupAlive(pgid) && Date.now() < deadline) await sleep(50);
        if (groupAlive(pgid)) {
          killGroup(pgid, 'SIGKILL');
          while (groupAlive(pgid)) await sleep(20);
        }
      }
      const { code, signal } = exitInfo;
      if (timedOut) {
        finish({
          outcome: 'timeout',
          exitCode: EXIT_TIMEOUT,
          signal: signal ?? null,
          message: spec.timeoutMessage ?? `stopped after --timeout ${spec.timeoutSeconds}s`,
        });
      } else if (signal) {
        finish({
          outcome: 'signal',
          exitCode: 128 + signalNumber(signal),
          signal,
          message: received ? `env-sync-run received ${received} and forwarded it` : `killed by ${signal}`,
        });
      } else {
        const note = received ? `env-sync-run received ${received} and forwarded it` : null;
        finish({ outcome: code === 0 ? 'success' : 'failure', exitCode: code ?? 1, signal: null, message: note });
      }
    };
    for (const s of [child.stdout!, child.stderr!]) {
      s.once('close', () => {
        streamsOpen--;
        void maybeDone();
      });
    }
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      // A grandchild that keeps our pipes open must not keep the wrapper (and the lock) forever.
      timers.push(
        setTimeout(() => {
          if (streamsOpen > 0) {
            child.stdout?.destroy();
            child.stderr?.destroy();
          }
        }, DRAIN_AFTER_EXIT_MS),
      );
      void maybeDone();
    });
  });
}
