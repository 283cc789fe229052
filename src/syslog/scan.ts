import { closeSync, constants, fstatSync, openSync, readSync, type Stats, statSync } from 'node:fs';
import { isNullDevice } from '../common/boundedRead.js';
import { currentUser } from '../common/host.js';
import { groupNameOf } from '../common/users.js';
import { parseLine } from './parseLine.js';
import { StageTimeoutError, type SyslogScanOptions, type ScanResult, type Visitor } from './types.js';
import type { LogLine, LogProblem } from '../log/line.js';

const DEFAULT_CHUNK = 256 * 1024;
// The lines of a gzipped file kept for the backward visit: the newest, when more match.
const GZIP_KEPT = 20_000;
// Bytes a read of a gzipped file, and a piece of its inflated text: zlib's own 16 KiB. Each piece is
// a new Buffer that V8 frees late; 64 KiB pieces read 1 GiB 30% faster but peaked at 96 MiB (80 is
// the bound), and 16 KiB reads as fast as zgrep -F.
const GZIP_CHUNK = 16 * 1024;
const CARRY_ROOM = 64 * 1024;

/** The live file and its rotated siblings, newest first: FILE, FILE.1, FILE.2.gz … */
export function rotatedFiles(syslog: string, rotated: number): string[] {
  const files = [syslog];
  if (rotated >= 1) files.push(`${syslog}.1`);
  for (let i = 2; i <= rotated; i++) files.push(`${syslog}.${i}.gz`);
  return files;
}

/**
 * How the checking user comes to read a log it may not: the file's own group (Debian's is adm, a
 * host's rsyslog or logrotate may say otherwise), or the mode when the group may not read it either.
 */
export function readFix(path: string): string {
  const me = currentUser();
  let st: Stats;
  try {
    st = statSync(path);
  } catch {
    return `let user ${me} read ${path}`;
  }
  const group = groupNameOf(st.gid);
  if (st.mode & 0o040) return `add user ${me} to group ${group} to read ${path} (usermod -aG ${group} ${me}), then restart NRPE or the Icinga agent`;
  return `${path} is not readable by its group ${group} (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}): make rsyslog and logrotate create it 0640 (Debian's default, group adm), then add user ${me} to that group`;
}

function openProblem(path: string, err: NodeJS.ErrnoException): LogProblem {
  if (err.code === 'EACCES' || err.code === 'EPERM') return { path, problem: 'permission denied', fix: readFix(path) };
  return { path, problem: `cannot be read (${err.code ?? err.message})`, fix: `check ${path}` };
}

class Stop extends Error {}
class BudgetSpent extends Error {}

// A line this long is not a log line anyone wrote to be read: it is left out whole. Keeping a part
// of it would cut a word, which may be the value of a secret whose name was cut away
// (…SWORD=hunter2), and no redaction could recognise it.
const MONSTROUS_LINE = 4 * 1024 * 1024;

const PROBE = 16 * 1024;
// Below this span a binary search step costs more than reading the span.
const SEEK_WINDOW = 64 * 1024;

/**
 * The first line start from which every sampled line is stamped after `after`: a binary search over
 * the file's lines by timestamp. A probe that finds no line start, or no line it can parse (binary
 * junk, a monstrous line), ends the search where it stands: the backward read then simply covers
 * more, never less.
 */
export function seekAfter(fd: number, path: string, size: number, after: Date, now: Date, cost = { bytesRead: 0 }): number {
  const probe = Buffer.allocUnsafe(PROBE);
  let lo = 0;
  let hi = size;
  while (hi - lo > SEEK_WINDOW) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const n = readSync(fd, probe, 0, Math.min(PROBE, hi - mid), mid);
    cost.bytesRead += n;
    const view = probe.subarray(0, n);
    const nl = view.indexOf(0x0a);
    if (nl === -1) break;
    const start = mid + nl + 1;
    if (start >= hi) break;
    let time: Date | null = null;
    for (let at = nl + 1; at < n; ) {
      const next = view.indexOf(0x0a, at);
      if (next === -1) break;
      const e = parseLine(probe.toString('utf8', at, next), path, now);
      if (e) {
        time = e.time;
        break;
      }
      at = next + 1;
    }
    if (time === null) break;
    if (time > after) hi = start;
    else lo = start;
  }
  return hi;
}

/**
 * Reads a plain file backwards in chunks from an fd opened once (a rotation during the read renames
 * the file under us, which does not matter to an open fd). A last line with no newline yet is being
 * written and is skipped.
 */
function scanPlainBackwards(
  fd: number,
  path: string,
  opts: SyslogScanOptions,
  visit: Visitor,
  chunk: number,
  cost: { bytesRead: number; budgetLeft: number },
): void {
  const needles = opts.needles?.map((n) => Buffer.from(n));
  const size = fstatSync(fd).size;
  let pos = opts.notAfter ? seekAfter(fd, path, size, opts.notAfter, opts.now, cost) : size;
  let carry: Buffer = Buffer.alloc(0);
  let first = true;
  let dropping = false;
  // Room after the chunk for the carried start of a line, so joining them copies only the carry.
  const buf = Buffer.allocUnsafe(chunk + CARRY_ROOM);
  while (pos > 0) {
    if (opts.deadline !== undefined && Date.now() > opts.deadline) throw new StageTimeoutError(`reading ${path}`);
    if (cost.budgetLeft <= 0) throw new BudgetSpent();
    const len = Math.min(chunk, pos);
    pos -= len;
    const n = readSync(fd, buf, 0, len, pos);
    cost.bytesRead += n;
    cost.budgetLeft -= n;
    let block: Buffer;
    if (carry.length === 0) block = buf.subarray(0, n);
    else if (carry.length <= CARRY_ROOM) {
      carry.copy(buf, n);
      block = buf.subarray(0, n + carry.length);
    } else block = Buffer.concat([buf.subarray(0, n), carry]);
    let end = block.length;
    if (first || dropping) {
      // Drop an unfinished last line, or the rest of a monstrous one (its start, up to its newline).
      const lastNl = block.lastIndexOf(0x0a);
      end = lastNl === -1 ? 0 : lastNl;
      if (lastNl === -1 && (pos > 0 || dropping)) {
        first = false;
        carry = Buffer.alloc(0);
        continue;
      }
      first = false;
      dropping = false;
    }
    let oldest: Buffer | null = null;
    if (needles) {
      // Only the lines holding one of the job's strings are decoded: one indexOf per hit, not a split
      // of the whole chunk into lines. The oldest complete line still matters, for stopBefore.
      const firstNl = block.indexOf(0x0a);
      if (firstNl !== -1 && firstNl < end) {
        const second = block.indexOf(0x0a, firstNl + 1);
        oldest = block.subarray(firstNl + 1, second === -1 || second > end ? end : second);
        for (const start of needleLineStarts(block, needles, firstNl + 1, end).reverse()) {
          const nl = block.indexOf(0x0a, start);
          emitText(block.toString('utf8', start, nl === -1 || nl > end ? end : nl), path, opts, visit);
        }
        end = firstNl;
      } else end = firstNl === -1 ? end : firstNl;
    } else {
      for (;;) {
        const nl = end > 0 ? block.lastIndexOf(0x0a, end - 1) : -1;
        if (nl === -1) break;
        if (end - nl > 1) {
          oldest = block.subarray(nl + 1, end);
          emitText(oldest.toString('utf8'), path, opts, visit);
        }
        end = nl;
      }
    }
    if (opts.stopBefore && oldest) {
      const e = parseLine(oldest.toString('utf8'), path, opts.now);
      if (e && e.time < opts.stopBefore) throw new Stop();
    }
    // The bytes before the first newline of this block are the end of a line that starts earlier.
    carry = Buffer.from(block.subarray(0, end));
    if (carry.length > MONSTROUS_LINE) {
      carry = Buffer.alloc(0);
      dropping = true;
    }
  }
  if (carry.length) emitText(carry.toString('utf8'), path, opts, visit);
}

function emitText(text: string, path: string, opts: SyslogScanOptions, visit: Visitor): void {
  if (opts.prefilter && !opts.prefilter(text)) return;
  const entry = parseLine(text, path, opts.now);
  if (entry && visit(entry)) throw new Stop();
}

/**
 * Where the lines holding one of the needles start, each once, in order: the hits between `from` and
 * `end` of a block of lines. One indexOf per hit, not a split of the block into lines.
 */
function needleLineStarts(block: Buffer, needles: Buffer[], from: number, end: number): number[] {
  const starts = new Set<number>();
  for (const needle of needles) {
    for (let i = block.indexOf(needle, from); i !== -1 && i < end; i = block.indexOf(needle, i + needle.length)) starts.add(block.lastIndexOf(0x0a, i) + 1);
  }
  return [...starts].sort((a, b) => a - b);
}

/**
 * A gzipped rotation cannot be read backwards: inflate it forwards, keep only the lines the prefilter
 * accepts (bounded), then visit those newest first. With needles, only the lines holding one are
 * decoded, as in the plain files: a day of a busy host's log is millions of lines, and a string for
 * each made the garbage (and the peak) of the whole read.
 */
async function scanGzip(fd: number, path: string, opts: SyslogScanOptions, visit: Visitor): Promise<void> {
  const { createReadStream } = await import('node:fs');
  const { createGunzip } = await import('node:zlib');
  const needles = opts.needles?.filter((n) => n !== '').map((n) => Buffer.from(n));
  const kept: LogLine[] = [];
  const keep = (line: string) => {
    if (opts.prefilter && !opts.prefilter(line)) return;
    const e = parseLine(line, path, opts.now);
    if (e) kept.push(e);
    // Trimmed in batches: a shift a line would move the whole list a line.
    if (kept.length >= 2 * GZIP_KEPT) kept.splice(0, kept.length - GZIP_KEPT);
  };
  // The lines of `block` (whole lines, each ending in a newline) that are wanted, in order.
  const lines = (block: Buffer) => {
    if (!needles?.length) {
      for (const l of block.toString('utf8').split('\n')) if (l !== '') keep(l);
      return;
    }
    for (const start of needleLineStarts(block, needles, 0, block.length)) keep(block.toString('utf8', start, block.indexOf(0x0a, start)));
  };
  // The start of a line cut by the chunk's end waits in `work`, which is reused: a Buffer a chunk
  // (or two) is garbage outside V8's heap, which it collects late, and the peak grew by it.
  let work = Buffer.allocUnsafe(GZIP_CHUNK * 2);
  let carryLen = 0;
  await new Promise<void>((resolve, reject) => {
    // The descriptor opened (and checked) by the caller: a rename by logrotate after that cannot
    // make this read fail, and the caller closes it.
    const raw = createReadStream(path, { fd, autoClose: false, highWaterMark: GZIP_CHUNK });
    const stream = raw.pipe(createGunzip({ chunkSize: GZIP_CHUNK }));
    raw.on('error', (err) => stream.destroy(err));
    stream.on('data', (d: Buffer) => {
      if (opts.deadline !== undefined && Date.now() > opts.deadline) {
        stream.destroy();
        reject(new StageTimeoutError(`reading ${path}`));
        return;
      }
      let block = d;
      if (carryLen) {
        if (carryLen + d.length > work.length) {
          const bigger = Buffer.allocUnsafe(carryLen + d.length);
          work.copy(bigger, 0, 0, carryLen);
          work = bigger;
        }
        d.copy(work, carryLen);
        block = work.subarray(0, carryLen + d.length);
      }
      const lastNl = block.lastIndexOf(0x0a);
      if (lastNl !== -1) lines(block.subarray(0, lastNl + 1));
      const rest = block.length - lastNl - 1;
      // A line longer than any syslog line is dropped rather than carried for ever.
      if (rest > MONSTROUS_LINE) carryLen = 0;
      else {
        if (rest > work.length) work = Buffer.allocUnsafe(rest * 2);
        block.copy(work, 0, lastNl + 1);
        carryLen = rest;
      }
    });
    stream.on('end', () => resolve());
    stream.on('error', reject);
  });
  if (carryLen) lines(Buffer.concat([work.subarray(0, carryLen), Buffer.from('\n')]));
  for (let i = kept.length - 1; i >= Math.max(0, kept.length - GZIP_KEPT); i--) if (visit(kept[i]!)) throw new Stop();
}

/** Newest first over FILE, FILE.1, FILE.2.gz …; the visitor returns true to stop. */
export async function scanBackwards(opts: SyslogScanOptions & { chunkSize?: number }, visit: Visitor): Promise<ScanResult> {
  const result: ScanResult = { filesRead: [], problems: [], stoppedEarly: false, bytesRead: 0, budgetSpent: false };
  const cost = { bytesRead: 0, budgetLeft: opts.maxBytes ?? Infinity };
  const seen = new Set<string>();
  // One file further back is read when a rotation during the scan shifted every name by one.
  const files = rotatedFiles(opts.syslog, opts.rotated + 1);
  let last = opts.rotated;
  for (let i = 0; i <= last && i < files.length; i++) {
    const path = files[i]!;
    if (opts.beforeFile?.(path)) {
      result.stoppedEarly = true;
      break;
    }
    try {
      let fd: number;
      try {
        fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        if (e.code !== 'ENOENT') result.problems.push(openProblem(path, e));
        continue;
      }
      try {
        const st = fstatSync(fd);
        // logrotate renamed the live file while it was being read: FILE.1 is now the file already
        // read through its open fd. Reading it again would show every line twice; the file that was
        // FILE.1 is now FILE.2(.gz), so that one is read in its place.
        const identity = `${st.dev}:${st.ino}`;
        if (seen.has(identity)) {
          last = Math.min(opts.rotated + 1, last + 1);
          continue;
        }
        seen.add(identity);
        if (isNullDevice(st)) {
          result.filesRead.push(path);
          continue;
        }
        if (!st.isFile()) {
          result.problems.push({
            path,
            problem: st.isDirectory() ? 'is a directory, not a log file' : 'is not a regular file',
            fix: `move it away; point --syslog at the syslog file`,
          });
          continue;
        }
        result.filesRead.push(path);
        opts.onFile?.(path);
        if (path.endsWith('.gz')) await scanGzip(fd, path, opts, visit);
        else scanPlainBackwards(fd, path, opts, visit, opts.chunkSize ?? DEFAULT_CHUNK, cost);
      } finally {
        closeSync(fd);
      }
    } catch (err) {
      if (err instanceof Stop || err instanceof BudgetSpent) {
        result.stoppedEarly = true;
        result.budgetSpent = err instanceof BudgetSpent;
        result.bytesRead = cost.bytesRead;
        return result;
      }
      if (err instanceof StageTimeoutError) throw err;
      const e = err as NodeJS.ErrnoException;
      result.problems.push(openProblem(path, e));
    }
  }
  result.bytesRead = cost.bytesRead;
  return result;
}
