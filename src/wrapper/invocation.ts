// The cron command a run was started by: cron runs each crontab line as `/bin/sh -c '<command>'`,
// and the wrapper is somewhere below that shell (ionice and envdir exec, with_reboot_lock is a bash
// script that runs it as a child). The first ancestor that is a shell given -c holds the command as
// cron ran it, VAR=value words, envdir and all; the marker keeps it (secrets redacted) with that
// shell's working directory, so a re-run can be made exactly as cron made it.
import { readlinkSync } from 'node:fs';
import { readBounded } from '../common/boundedRead.js';
import { redactText } from '../common/redact.js';

export interface CronInvocation {
  command: string;
  cwd: string | null;
}

const SHELL = /(^|\/)(sh|dash|bash)$/;
// Between cron's shell and the wrapper there may be programs that run their arguments as a child (a
// script like with_reboot_lock, sudo, flock…): the walk goes on through those, and stops at anything
// else, so a wrapper started by a person's tool or a test runner never takes a shell far above it
// for its cron command.
const PASS_THROUGH = /(^|\/)(sh|dash|bash|sudo|runuser|su|setpriv|timeout|flock|nice|ionice|chronic|nohup|setsid|stdbuf|env|envdir|with_reboot_lock)$/;
const MAX_DEPTH = 8;

function argvOf(pid: number): string[] | null {
  try {
    const raw = readBounded(`/proc/${pid}/cmdline`, { maxBytes: 256 * 1024 });
    return raw ? raw.toString('utf8').replace(/\0$/, '').split('\0') : null;
  } catch {
    return null;
  }
}

function parentOf(pid: number): number | null {
  try {
    const stat = readBounded(`/proc/${pid}/stat`, { maxBytes: 4096 })?.toString('utf8');
    if (!stat) return null;
    // Fields resume after the command name's last ')': state, then the parent's pid.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) ? ppid : null;
  } catch {
    return null;
  }
}

/** The nearest `sh -c TEXT` above this process, within a few generations; null when there is none. */
export function cronInvocation(start = process.ppid): CronInvocation | null {
  let pid: number | null = start;
  for (let depth = 0; pid !== null && pid > 1 && depth < MAX_DEPTH; depth++) {
    const argv = argvOf(pid);
    if (argv && argv.length >= 3 && SHELL.test(argv[0]!) && argv[1] === '-c') {
      let cwd: string | null = null;
      try {
        cwd = readlinkSync(`/proc/${pid}/cwd`);
      } catch {
        cwd = null;
      }
      return { command: redactText(argv[2]!), cwd };
    }
    if (!argv || !PASS_THROUGH.test(argv[0]!)) return null;
    pid = parentOf(pid);
  }
  return null;
}
