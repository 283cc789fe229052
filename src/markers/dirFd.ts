// Writes into a directory another user may own (the state directory and the job's directories are
// the job's user's; root runs the wrapper by hand), made on a descriptor of that directory rather
// than by path: a path is looked up again at every call, and its owner can rename a directory aside
// and put a symbolic link in its place between two calls (issue 25, finding 2). Node has no
// mkdirat/renameat/unlinkat, so every name is reached through /proc/self/fd/N/NAME: the kernel
// takes the directory the descriptor holds, whatever is at its path by then, and looks up NAME in
// it. NAME's own lookup keeps each call's usual rule: rename, link, unlink and mkdir never follow a
// link there, and every open here adds O_NOFOLLOW; a mode or owner is changed with fchmod/fchown
// on an open descriptor only (docs/security-round3/fdwrites.md lists every such write).
import { closeSync, constants, fstatSync, fsyncSync, linkSync, lstatSync, mkdirSync, openSync, readdirSync, renameSync, unlinkSync, type Stats } from 'node:fs';
import { join } from 'node:path';

const PROC_FD = '/proc/self/fd';

/** An open directory, by descriptor, and the path it was opened by (for messages only). */
export class DirHandle {
  constructor(
    readonly fd: number,
    readonly path: string,
  ) {}

  /** NAME in this directory, reached through the descriptor: a plain name, never a path. */
  at(name: string): string {
    if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0'))
      throw new Error(`${JSON.stringify(name)} is not a plain file name`);
    return `${PROC_FD}/${this.fd}/${name}`;
  }

  /** NAME as a person should read it. */
  shown(name: string): string {
    return join(this.path, name);
  }

  // Errors name the directory's path, not /proc/self/fd/N: an administrator reads them.
  private call<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { dest?: string };
      const prefix = `${PROC_FD}/${this.fd}`;
      const fix = (s: string) => s.split(prefix).join(this.path);
      if (typeof e.message === 'string') e.message = fix(e.message);
      if (typeof e.path === 'string') e.path = fix(e.path);
      if (typeof e.dest === 'string') e.dest = fix(e.dest);
      throw e;
    }
  }

  /** Opens NAME; O_NOFOLLOW is always added. */
  open(name: string, flags: number, mode?: number): number {
    return this.call(() => openSync(this.at(name), flags | constants.O_NOFOLLOW, mode));
  }

  /** Creates NAME exclusively (O_CREAT|O_EXCL never follows a link, nor opens what is there). */
  create(name: string, mode: number): number {
    return this.open(name, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
  }

  mkdir(name: string, mode: number): void {
    this.call(() => mkdirSync(this.at(name), { mode }));
  }

  rename(from: string, to: string): void {
    this.call(() => renameSync(this.at(from), this.at(to)));
  }

  /** link(2) does not follow a link at `from`. */
  link(from: string, to: string): void {
    this.call(() => linkSync(this.at(from), this.at(to)));
  }

  unlink(name: string): void {
    this.call(() => unlinkSync(this.at(name)));
  }

  /** Removes NAME; one already gone is no error. */
  unlinkQuiet(name: string): void {
    try {
      unlinkSync(this.at(name));
    } catch {
      /* gone already */
    }
  }

  lstat(name: string): Stats | undefined {
    return this.call(() => lstatSync(this.at(name), { throwIfNoEntry: false }));
  }

  list(): string[] {
    return this.call(() => readdirSync(`${PROC_FD}/${this.fd}`));
  }

  /** The directory NAME inside this one, opened without following a link. */
  sub(name: string): DirHandle {
    return this.call(() => new DirHandle(openSync(this.at(name), DIR_FLAGS | constants.O_NOFOLLOW), this.shown(name)));
  }

  stat(): Stats {
    return fstatSync(this.fd);
  }

  /** Durability of the names in it, not atomicity: a failure is not an error. */
  fsync(): void {
    try {
      fsyncSync(this.fd);
    } catch {
      /* the rename already happened */
    }
  }

  close(): void {
    closeSync(this.fd);
  }
}

const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY;

/** Opens a directory by path; `follow` false refuses a link at its last component (ELOOP or ENOTDIR). */
export function openDir(path: string, follow: boolean): DirHandle {
  return new DirHandle(openSync(path, DIR_FLAGS | (follow ? 0 : constants.O_NOFOLLOW)), path);
}

/** Runs fn with the directory open, and closes it. */
export function inDir<T>(dir: DirHandle, fn: (d: DirHandle) => T): T {
  try {
    return fn(dir);
  } finally {
    dir.close();
  }
}
