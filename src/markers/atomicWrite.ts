import { closeSync, fchownSync, fsyncSync, lstatSync, type Stats, writeSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { randomHex } from '../common/randomHex.js';
import { inDir, openDir, type DirHandle } from './dirFd.js';

export class UnsafePathError extends Error {}

// Who owns what this process creates in the state directory, when that is not this process's user:
// root running the wrapper by hand in a directory that belongs to the job's user must not leave
// files (or a job directory) that the job's later cron runs cannot replace.
let owner: { uid: number; gid: number } | null = null;

/** From now on, files and directories this process creates for markers belong to uid:gid. */
export function createFilesAs(o: { uid: number; gid: number } | null): void {
  owner = o;
}

/** Gives a file or directory just created (by descriptor) to the owner chosen with createFilesAs. */
export function giveAway(fd: number): void {
  if (owner) fchownSync(fd, owner.uid, owner.gid);
}

/** Why a directory markers go into cannot be opened as one, in the words the checks use. */
function unsafeDir(dir: string, err: NodeJS.ErrnoException): Error {
  if (err.code !== 'ELOOP' && err.code !== 'ENOTDIR') return err;
  let st: Stats | undefined;
  try {
    st = lstatSync(dir);
  } catch {
    return err;
  }
  if (st.isSymbolicLink()) return new UnsafePathError(`${dir} is a symbolic link; markers are never written through links`);
  if (!st.isDirectory()) return new UnsafePathError(`${dir} is not a directory`);
  return err;
}

/**
 * Opens a directory markers are written into, refusing a link at its last component: every write
 * in it then goes through the descriptor (dirFd.ts), so renaming it aside and planting a link after
 * this changes nothing the writes reach.
 */
export function openMarkerDir(dir: string): DirHandle {
  try {
    return openDir(dir, false);
  } catch (err) {
    throw unsafeDir(dir, err as NodeJS.ErrnoException);
  }
}

/** Refuses to write into a directory that is a symlink: a marker write must never follow one. */
export function assertRealDirectory(dir: string): void {
  openMarkerDir(dir).close();
}

/** A temporary file's name beside its target: hidden, this process's, never the same twice. */
export function tempName(name: string): string {
  return `.${name}.${process.pid}.${randomHex(4)}.tmp`;
}

/**
 * Writes a file so that a reader sees the old content or the new, never a mix: a temp file in the same
 * directory (O_EXCL|O_NOFOLLOW), fsync, rename over the target, fsync the directory. On any failure the
 * temp file is removed and the old file is left as it was.
 */
export function writeFileAtomic(path: string, content: string, mode = 0o644): void {
  inDir(openMarkerDir(dirname(path)), (d) => writeFileAtomicIn(d, basename(path), content, mode));
}

/** writeFileAtomic, for NAME in a directory already open. */
export function writeFileAtomicIn(d: DirHandle, name: string, content: string, mode = 0o644): void {
  const tmp = tempName(name);
  const fd = d.create(tmp, mode);
  let renamed = false;
  try {
    giveAway(fd);
    const buf = Buffer.from(content, 'utf8');
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
    closeSync(fd);
    d.rename(tmp, name);
    renamed = true;
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      /* already closed */
    }
    throw err;
  } finally {
    if (!renamed) d.unlinkQuiet(tmp);
  }
  d.fsync();
}
