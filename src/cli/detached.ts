// Runs a command the way cron runs a job: in a session of its own with no controlling terminal,
// stdin /dev/null, stdout and stderr through pipes this process copies to its own. Started from
// root's terminal, nothing the command starts can reach that terminal: TIOCSTI needs it as the
// controlling terminal (or CAP_SYS_ADMIN), /dev/tty opens only the controlling terminal, and no
// descriptor of it is passed on. Ctrl-C at the terminal reaches this process (it is in the
// terminal's foreground group), which passes SIGINT, like SIGTERM and SIGHUP, to the command's
// process group; it exits with the command's status.
import { closeSync, readdirSync, readFileSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const O_CLOEXEC = 0o2000000;

/**
 * Closes the descriptors above 2 that this process inherited without close-on-exec: Node opens its
 * own with close-on-exec, but passes those on to every child whatever `stdio` says (a shell's
 * `exec 40<>/dev/tty` would reach the job). Returns the ones closed. Without /proc: none.
 */
export function closeInheritedFds(): number[] {
  const closed: number[] = [];
  let names: string[];
  try {
    names = readdirSync('/proc/self/fd');
  } catch {
    return closed;
  }
  for (const name of names) {
    const fd = Number(name);
    if (!Number.isInteger(fd) || fd <= 2) continue;
    let flags: number;
    try {
      const m = /^flags:\s*([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
      if (!m) continue;
      flags = parseInt(m[1]!, 8);
    } catch {
      continue; // the directory's own descriptor, closed since
    }
    if (flags & O_CLOEXEC) continue;
    try {
      closeSync(fd);
      closed.push(fd);
    } catch {
      // already gone
    }
  }
  return closed;
}

/** Copies with back-pressure; a reader gone (EPIPE) makes the rest be read and dropped, so the job never blocks on a full pipe. */
function relay(from: Readable, to: NodeJS.WritableStream): void {
  from.pipe(to as Writable, { end: false });
  to.on('error', () => {
    from.unpipe(to as Writable);
    from.resume();
  });
}

/** The command's exit status, 128 + the signal's number when a signal ended it, 127 when it could not start. */
export async function runDetached(argv: string[], io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream }): Promise<number> {
  closeInheritedFds();
  // Loaded here: child_process brings net and the stream modules, which `env-sync status` never needs.
  const { spawn } = await import('node:child_process');
  const { constants } = await import('node:os');
  const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const forward = (sig: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, sig);
    } catch {
      // the group has ended
    }
  };
  for (const sig of FORWARDED) process.on(sig, forward);
  relay(child.stdout!, io.out);
  relay(child.stderr!, io.err);
  return new Promise((resolve) => {
    let done = false;
    const finish = (status: number) => {
      if (done) return;
      done = true;
      for (const sig of FORWARDED) process.off(sig, forward);
      resolve(status);
    };
    child.on('error', (err) => {
      io.err.write(`env-sync: cannot run ${argv[0]}: ${err.message}\n`);
      finish(127);
    });
    // 'close': the exit and the end of both pipes, so every line is copied before env-sync exits.
    child.on('close', (code, signal) => finish(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0)));
  });
}
