import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temp directory (0755, so tests that drop to `nobody` can enter it) and its clean-up. */
export function makeTempDir(prefix = 'env-sync-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A state directory inside `parent` (its `state`), mode 0755 whatever the umask: as an administrator
 * makes it, writable by its owner only, so the checks trust the markers in it.
 */
export function stateDirIn(parent: string): string {
  const state = join(parent, 'state');
  mkdirSync(state);
  chmodSync(state, 0o755);
  return state;
}

/**
 * A fresh temp directory with a state directory in it for each test of the describe it is called
 * in, removed after each: `const t = tempStateEach();` then `t.dir`, `t.state`.
 */
export function tempStateEach(): { readonly dir: string; readonly state: string } {
  const current = { dir: '', state: '', cleanup: () => undefined as void };
  beforeEach(() => {
    const made = makeTempDir();
    Object.assign(current, { dir: made.dir, state: stateDirIn(made.dir), cleanup: made.cleanup });
  });
  afterEach(() => current.cleanup());
  return current;
}
