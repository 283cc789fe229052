// A sync stand-in that runs until the test lets it end: `sh -c 'read x < FIFO'` blocks on the FIFO
// until the test writes a line into it. Nothing is timed: the test decides when the "sync" ends.
import { spawnSync } from 'node:child_process';
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface FifoSync {
  fifo: string;
  /** The stand-in's command line, to give after `env-sync-run … --`. */
  command: string[];
  /** Ends the stand-in: one line into the FIFO (non-blocking: it fails, naming why, if nothing reads it). */
  release(): void;
}

/** A FIFO in `dir` that any user can read (the stand-in may run as the job's user). */
export function fifoSync(dir: string, name = 'go.fifo'): FifoSync {
  const fifo = join(dir, name);
  const made = spawnSync('mkfifo', ['-m', '0666', fifo], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`mkfifo ${fifo} failed: ${made.stderr}`);
  return {
    fifo,
    command: ['sh', '-c', 'read x < "$1"', 'sh', fifo],
    release() {
      const fd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
      try {
        writeSync(fd, 'go\n');
      } finally {
        closeSync(fd);
      }
    },
  };
}
