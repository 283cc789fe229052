// Reads an `strace -f` log and lists every write made by path under a directory another user owns
// (issue 25, finding 2): a create, mode or owner change, rename, link or unlink whose path the
// kernel looks up from the root or the working directory, so the directory's owner could have
// swapped a component for a link in between. Through /proc/self/fd/N/NAME, or an *at call on a
// directory descriptor, the lookup starts at a directory already open and is not such a write.

/** strace's options for the audit: every path call, and the descriptor-based mode and owner changes. */
export const STRACE_ARGS = ['-f', '-qq', '-s', '4096', '-e', 'trace=%file,fchmod,fchown'];

interface Call {
  pid: number;
  name: string;
  args: string[];
  line: string;
}

/** The arguments of a call as strace prints them, strings unquoted. */
function splitArgs(text: string): string[] {
  const args: string[] = [];
  let cur = '';
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      let s = '';
      for (i++; i < text.length && text[i] !== '"'; i++) {
        if (text[i] === '\\') {
          i++;
          s += text[i] === 'n' ? '\n' : text[i];
        } else s += text[i];
      }
      cur += s;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') depth++;
    if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) break;
      depth--;
    }
    if (c === ',' && depth === 0) {
      args.push(cur.trim());
      cur = '';
      continue;
    }
    cur += c;
  }
  if (cur.trim()) args.push(cur.trim());
  return args;
}

function parse(log: string): Call[] {
  const calls: Call[] = [];
  for (const line of log.split('\n')) {
    const m = /^(\d+)\s+(\w+)\((.*)$/.exec(line);
    if (!m) continue; // `<... resumed>` halves carry no path
    calls.push({ pid: Number(m[1]), name: m[2]!, args: splitArgs(m[3]!.replace(/\s*<unfinished \.\.\.>$/, '')), line });
  }
  return calls;
}

const WRITE_FLAGS = /O_WRONLY|O_RDWR|O_CREAT|O_TRUNC/;

/** The paths a call changes, each with its directory descriptor (AT_FDCWD for a plain path). */
function changedPaths(c: Call): Array<{ dirfd: string; path: string }> {
  const a = c.args;
  const cwd = (i: number) => ({ dirfd: 'AT_FDCWD', path: a[i] ?? '' });
  const at = (d: number, p: number) => ({ dirfd: a[d] ?? '', path: a[p] ?? '' });
  switch (c.name) {
    case 'open':
      return WRITE_FLAGS.test(a[1] ?? '') ? [cwd(0)] : [];
    case 'openat':
      return WRITE_FLAGS.test(a[2] ?? '') ? [at(0, 1)] : [];
    case 'creat':
    case 'mkdir':
    case 'rmdir':
    case 'unlink':
    case 'chmod':
    case 'chown':
    case 'lchown':
    case 'truncate':
    case 'utime':
    case 'utimes':
    case 'mknod':
      return [cwd(0)];
    case 'rename':
    case 'link':
      return [cwd(0), cwd(1)];
    case 'symlink':
      return [cwd(1)];
    case 'mkdirat':
    case 'unlinkat':
    case 'fchmodat':
    case 'fchownat':
    case 'mknodat':
    case 'utimensat':
    case 'futimesat':
      // utimensat(fd, NULL, …) and fchownat(fd, "", …, AT_EMPTY_PATH) act on the descriptor itself.
      return a[1] === 'NULL' || a[1] === '' ? [] : [at(0, 1)];
    case 'renameat':
    case 'renameat2':
    case 'linkat':
      return [at(0, 1), at(2, 3)];
    case 'symlinkat':
      return [at(1, 2)];
    default:
      return [];
  }
}

export interface AuditResult {
  /** Writes by path under an audited directory: each strace line. */
  byPath: string[];
  /** Writes under an audited directory made through a descriptor: proof the log saw the writes. */
  byDescriptor: number;
}

/** Audits a log: `dirs` are the directories another user owns; `cwd` the traced command's directory. */
export function auditLog(log: string, dirs: string[], cwd = '/'): AuditResult {
  const result: AuditResult = { byPath: [], byDescriptor: 0 };
  for (const c of parse(log)) {
    for (const { dirfd, path } of changedPaths(c)) {
      if (path.startsWith('/proc/self/fd/') || path.startsWith('/proc/thread-self/fd/')) {
        result.byDescriptor++;
        continue;
      }
      if (dirfd !== 'AT_FDCWD' && !path.startsWith('/')) {
        // Relative to a directory descriptor (rm -rf's unlinkat): the lookup starts at a directory
        // already open, not at a path. (Which directory is not followed: dup'd descriptors are not traced.)
        result.byDescriptor++;
        continue;
      }
      const full = path.startsWith('/') ? path : `${cwd.replace(/\/$/, '')}/${path}`;
      if (dirs.some((d) => full.startsWith(`${d.replace(/\/$/, '')}/`)) && result.byPath.at(-1) !== c.line) result.byPath.push(c.line);
    }
  }
  return result;
}
