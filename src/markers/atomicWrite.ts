import { closeSync, constants, fchownSync, fsyncSync, lstatSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomHex } from '../common/randomHex.js';

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

/** Refuses to write into a directory that is a symlink: a marker write must never follow one. */
export function assertRealDirectory(dir: string): void {
  const st = lstatSync(dir);
  if (st.isSymbolicLink()) throw new UnsafePathError(`${dir} is a symbolic link; markers are never written through links`);
  if (!st.isDirectory()) throw new UnsafePathError(`${dir} is not a directory`);
}

/** A temporary file's name beside its target: hidden, this process's, never the same twice. */
export function tempPath(dir: string, name: string): string {
  return join(dir, `.${name}.${process.pid}.${randomHex(4)}.tmp`);
}

/**
 * Writes a file so that a reader sees the old content or the new, never a mix: a temp file in the same
 * directory (O_EXCL|O_NOFOLLOW), fsync, rename over the target, fsync the directory. On any failure the
 * temp file is removed and the old file is left as it was.
 */
export function writeFileAtomic(path: string, content: string, mode = 0o644): void {
  const dir = dirname(path);
  assertRealDirectory(dir);
  const tmp = tempPath(dir, basename(path));
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
  let renamed = false;
  try {
    giveAway(fd);
    const buf = Buffer.from(content, 'utf8');
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, path);
    renamed = true;
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      /* already closed */
    }
    throw err;
  } finally {
    if (!renamed) {
      try {
        unlinkSync(tmp);
      } catch {
        /* nothing to clean */
      }
    }
  }
  try {
    const dfd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // Directory fsync is durability, not atomicity: the rename already happened.
  }
}
