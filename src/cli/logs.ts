// `env-sync logs JOB [--follow]`: the job's lines from the rotated files back to --rotated, then the
// live file, oldest first; --follow goes on with new lines, across rotation (tail-file follows the
// renamed file to its end, then the new one).
import { closeSync, constants, createReadStream, fstatSync, openSync } from 'node:fs';
import { isNullDevice } from '../common/boundedRead.js';
import { BoundedLineSplitter, type BoundedLine } from '../common/boundedLines.js';
import { visibleText } from '../output/sanitize.js';
import { jobLineRule } from '../syslog/jobLines.js';
import { parseLine } from '../syslog/parseLine.js';
import { readFix, rotatedFiles } from '../syslog/scan.js';
import { rotationLimit, type Rotated } from '../common/rotation.js';
import { nearestNames } from '../common/nearest.js';
import type { Values } from '../common/options.js';
import { hostJobList, type HostJobList } from '../check/hostJobs.js';
import { hostOptions } from './hostOptions.js';
import { UsageError } from './usage.js';

/** The raw line is one of the job's (its output, the wrapper's events for it, the script's lines for its cfg). */
function jobLineMatcher(job: string, cfgName = job): (line: string) => boolean {
  const rule = jobLineRule(job, cfgName);
  return (line) => {
    if (!rule.mayBelong(line)) return false;
    const e = parseLine(line, '', new Date());
    return e !== null && rule.belongs(e);
  };
}

/**
 * The most of one line `env-sync logs` keeps and shows: longer lines (no real sync prints one) are
 * cut here, with a note of how much was left out, so any line length costs bounded memory.
 */
export const MAX_SHOWN_LINE_BYTES = 64 * 1024;

/** A line as the terminal gets it: every control and escape visible, a cut said, one newline. */
export function shownLine(line: BoundedLine): string {
  const text = line.cut ? line.text : line.text.replace(/\r$/, '');
  return `${visibleText(text)}${line.cut ? ` … [line cut: ${line.cut} more bytes not shown]` : ''}\n`;
}

/** Writes, and once a chunk's writes fill the stream's buffer, waits for it to drain (a slow pager holds no file in memory). */
function drained(out: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      out.removeListener('drain', done);
      out.removeListener('close', done);
      out.removeListener('error', done);
      resolve();
    };
    out.once('drain', done);
    out.once('close', done);
    out.once('error', done);
  });
}

/** What printLogs printed: how many lines, from which files; and the files it could not read. */
export interface LogsPrinted {
  lines: number;
  read: string[];
  unreadable: string[];
}

export async function printLogs(o: { job: string; syslog: string; rotated: Rotated; out: NodeJS.WritableStream }): Promise<LogsPrinted> {
  const match = jobLineMatcher(o.job);
  const printed: LogsPrinted = { lines: 0, read: [], unreadable: [] };
  for (const file of rotatedFiles(o.syslog, rotationLimit(o.rotated).rotated).reverse()) {
    let fd: number | null = null;
    try {
      // Opened without blocking and checked on the descriptor: a FIFO or a directory in a log's
      // place is named, never waited on.
      fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
      const st = fstatSync(fd);
      if (isNullDevice(st)) continue;
      if (!st.isFile())
        throw Object.assign(new Error(st.isDirectory() ? 'a directory' : 'not a regular file'), { code: st.isDirectory() ? 'EISDIR' : 'not a regular file' });
      const raw = createReadStream(file, { fd, autoClose: false, highWaterMark: 1 << 20 });
      let input: NodeJS.ReadableStream = raw;
      if (file.endsWith('.gz')) {
        const gunzip = (await import('node:zlib')).createGunzip();
        raw.on('error', (err) => gunzip.destroy(err));
        input = raw.pipe(gunzip);
      }
      let full = false;
      const lines = new BoundedLineSplitter(MAX_SHOWN_LINE_BYTES, (line) => {
        if (!match(line.text)) return;
        if (!o.out.write(shownLine(line))) full = true;
        printed.lines++;
      });
      for await (const chunk of input) {
        lines.push(chunk as Buffer);
        if (full) {
          full = false;
          await drained(o.out);
        }
      }
      lines.end();
      printed.read.push(file);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code !== 'ENOENT') {
        process.stderr.write(`env-sync: cannot read ${file} (${e.code ?? e.message})${e.code === 'EACCES' ? `: ${readFix(file)}` : ''}\n`);
        printed.unreadable.push(file);
      }
    } finally {
      if (fd !== null) closeSync(fd);
    }
  }
  return printed;
}

/**
 * A job that printed no line must be one the host knows (its state directory, its crontab or job
 * inventory); then it has just not logged yet. Any other name is a usage error offering the
 * nearest known names: a misspelt job is not taken for a quiet one, nor followed for ever. A name
 * with lines in syslog is never asked about (an unwrapped job no crontab given names), and one
 * whose syslog could not be read all through is not called unknown.
 */
export async function quietJob(job: string, a: Values<'env-sync logs'>, printed: LogsPrinted, err: NodeJS.WritableStream): Promise<void> {
  const where = printed.read.length ? printed.read.join(', ') : `${a.syslog} (not there)`;
  let list: HostJobList | null = null;
  let listProblem: string | null = null;
  try {
    list = await hostJobList(hostOptions(a, true));
  } catch (e) {
    listProblem = (e as Error).message;
  }
  if (list?.names.includes(job) || printed.unreadable.length) {
    if (!printed.unreadable.length) err.write(`env-sync: no line of ${job} in ${where}${a.follow ? '' : ' (--follow waits for its next ones)'}\n`);
    return;
  }
  const near = nearestNames(job, list?.names ?? []);
  const blind = [listProblem, ...(list?.problems ?? []), list?.blind].filter((p): p is string => !!p);
  throw new UsageError(
    `unknown job ${job}: not in ${a.stateDir} (no job directory), not in ${a.crontab ?? (a.user ? `the crontab of ${a.user}` : 'the job inventory')}, and no line of it in ${where}` +
      (near.length ? `; did you mean ${near.join(', ')}?` : '; env-sync status lists the jobs') +
      (blind.length ? ` (${blind.join('; ')})` : ''),
  );
}

/** Follows the live file from its end; resolves when stopped (SIGINT/SIGTERM or the returned stop()). */
export async function followLogs(o: { job: string; syslog: string; out: NodeJS.WritableStream; onReady?: () => void }): Promise<void> {
  const mod = (await import('tail-file')) as unknown as { default: typeof import('tail-file').default };
  const Tail = mod.default;
  const match = jobLineMatcher(o.job);
  const tail = new Tail(o.syslog, { startPos: 'end', force: true });
  return new Promise((resolve) => {
    tail.on('line', (line: string) => {
      if (match(line)) o.out.write(shownLine({ text: line.slice(0, MAX_SHOWN_LINE_BYTES), cut: Math.max(0, Buffer.byteLength(line) - MAX_SHOWN_LINE_BYTES) }));
    });
    tail.on('error', (err: Error) => process.stderr.write(`env-sync: following ${o.syslog}: ${visibleText(err.message)}\n`));
    let ready = false;
    // 'ready' comes again after each switch to a new file; say it once.
    tail.on('ready', () => {
      if (!ready) o.onReady?.();
      ready = true;
    });
    const stop = () => {
      tail.stop();
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    tail.start();
  });
}
