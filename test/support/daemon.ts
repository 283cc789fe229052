import { spawn, type SpawnOptions } from 'node:child_process';

export interface Daemon {
  /** Its pid, which is also its process group's id. */
  pid: number;
  /** Everything it printed so far. */
  log(): string;
  exited(): boolean;
  /** SIGTERM to its process group, SIGKILL if it is still there after killAfterMs; resolves when it exited. */
  stop(): Promise<void>;
}

/** A server the tests start in the foreground, in its own process group so that stop() reaches its children. */
export function startDaemon(cmd: string, args: string[], opts: SpawnOptions = {}, killAfterMs = 15_000): Daemon {
  let output = '';
  let exited = false;
  const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exitPromise = new Promise<void>((r) => child.on('exit', () => ((exited = true), r())));
  const group = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
      return true;
    } catch {
      return false; // already gone
    }
  };
  return {
    pid: child.pid ?? 0,
    log: () => output,
    exited: () => exited,
    async stop() {
      if (child.pid === undefined) return;
      if (!exited && group('SIGTERM')) {
        const killer = setTimeout(() => group('SIGKILL'), killAfterMs);
        await exitPromise;
        clearTimeout(killer);
      }
      // What the daemon started and left behind is of its group: NRPE's connection child, waiting on
      // a plugin, outlived a test run once. None may outlive the test.
      group('SIGKILL');
    },
  };
}
