// Writing into node_exporter's textfile directory. The collector reads every *.prom file there at each
// scrape, so a file must appear whole (temp file in the same directory, then rename) and be readable
// by node_exporter's user (Debian: prometheus), whatever the writer's umask.
import { closeSync, fchmodSync, lstatSync, writeSync } from 'node:fs';
import { validateName } from '../common/jobName.js';
import { tempName } from '../markers/atomicWrite.js';
import { openDir, type DirHandle } from '../markers/dirFd.js';

/** The verdict file of `env-sync metrics`. */
export const VERDICT_TEXTFILE = 'env_sync_verdicts.prom';

/**
 * The wrapper's file for a job, `env_sync_<job>.prom` (issue 21). The one job name that would give
 * the verdict file's name, `verdicts`, has no file: its runs would replace every job's verdicts.
 */
export function runFactsTextfile(job: string): string {
  const name = `env_sync_${validateName(job)}.prom`;
  if (name === VERDICT_TEXTFILE) {
    throw new TextfileError(
      `job ${job} has no textfile: ${VERDICT_TEXTFILE} is the file of env-sync metrics; run the job under another name (--job) to see its runs in Prometheus`,
    );
  }
  return name;
}

// node_exporter reads only *.prom; a hidden name or a path is never what a caller meant.
const TEXTFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*\.prom$/;

export class TextfileError extends Error {}

function explain(dir: string, err: NodeJS.ErrnoException): TextfileError {
  switch (err.code) {
    case 'ENOENT':
      return new TextfileError(`textfile directory ${dir} does not exist; create it (install -d -m 0755 ${dir}) or correct --textfile-dir`);
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new TextfileError(`cannot write into textfile directory ${dir} (${err.code}); make it writable by this user or correct --textfile-dir`);
    default:
      return new TextfileError(`cannot write into textfile directory ${dir}: ${err.message}`);
  }
}

/**
 * Replaces DIR/NAME with TEXT atomically, mode 0644, and returns its path. Never follows a symbolic
 * link: a DIR that is one is refused, the temp file is opened O_EXCL|O_NOFOLLOW, and a link at NAME
 * is replaced, not written through. Not fsynced: the file is a copy of the markers rewritten at every
 * run and every minute, and its write is on the wrapper's path. On failure the old file is left as
 * it was, the temp file removed, and a TextfileError names the directory and the fix; callers report
 * it as a warning (a metrics file never changes a sync's exit status).
 */
export function writeTextfileAtomic(dir: string, name: string, text: string): string {
  if (!TEXTFILE_NAME.test(name)) throw new TextfileError(`textfile name ${JSON.stringify(name)} must be a plain file name ending in .prom`);
  // On a descriptor of the directory (src/markers/dirFd.ts): it may be another user's, and this may
  // be root (env-sync metrics, a run by hand), so no write here goes by a path its owner could change.
  let d: DirHandle;
  try {
    d = openDir(dir, false);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ELOOP' || e.code === 'ENOTDIR') {
      const st = lstatSync(dir, { throwIfNoEntry: false });
      if (st?.isSymbolicLink())
        throw new TextfileError(
          `textfile directory ${dir} is a symbolic link; metrics are never written through links: give --textfile-dir the real directory`,
        );
      if (st && !st.isDirectory()) throw new TextfileError(`textfile directory ${dir} is not a directory; correct --textfile-dir`);
    }
    throw explain(dir, e);
  }
  try {
    return writeIn(d, name, text);
  } finally {
    d.close();
  }
}

function writeIn(d: DirHandle, name: string, text: string): string {
  const path = d.shown(name);
  const tmp = tempName(name);
  let fd: number;
  try {
    fd = d.create(tmp, 0o644);
  } catch (err) {
    throw explain(d.path, err as NodeJS.ErrnoException);
  }
  let renamed = false;
  try {
    // The mode given to open is cut by the umask (cron's may be 027); node_exporter must read the file.
    fchmodSync(fd, 0o644);
    // The string as it is (no Buffer of it on the wrapper's path); a short write goes on from a Buffer.
    const written = writeSync(fd, text);
    if (written < Buffer.byteLength(text)) {
      const buf = Buffer.from(text, 'utf8');
      for (let off = written; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off);
    }
    closeSync(fd);
    fd = -1;
    d.rename(tmp, name);
    renamed = true;
  } catch (err) {
    if (fd >= 0) {
      try {
        closeSync(fd);
      } catch {
        /* the write error is the one to report */
      }
    }
    const e = err as NodeJS.ErrnoException;
    throw new TextfileError(`cannot write ${path}: ${e.code === 'EISDIR' ? 'it is a directory; remove it' : e.message}`);
  } finally {
    if (!renamed) d.unlinkQuiet(tmp);
  }
  return path;
}
