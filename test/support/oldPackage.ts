// The 0.1.0 Debian package, for the upgrade and downgrade tests: built once from git history (the last
// commit of 0.1.0, in a shared clone outside the checkout, with its own `npm ci --prefer-offline`:
// the npm cache has today's dependencies, the registry the rest) and cached outside the checkout by
// commit, as ~/.cache/env-sync-checks/fixtures/….
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './proc.js';

/** The last commit whose package.json says 0.1.0 (main before issue 28's version bump). */
export const LAST_0_1_0 = 'dd343d8fffb6945e9fda2b78d32fb21bbea4c18b';

function git(args: string[], cwd: string): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** A file of the 0.1.0 commit, from git history. */
export function oldFile(path: string): string {
  return git(['show', `${LAST_0_1_0}:${path}`], repoRoot);
}

/** The path of env-sync-checks_0.1.0_all.deb, built now if the cache has none for the commit. */
export function oldDeb(log: (line: string) => void = () => undefined): string {
  const cache = join(process.env.ENV_SYNC_FIXTURES_DIR ?? join(homedir(), '.cache', 'env-sync-checks', 'fixtures'), `deb-${LAST_0_1_0.slice(0, 12)}`);
  const deb = join(cache, 'env-sync-checks_0.1.0_all.deb');
  if (existsSync(deb)) return deb;
  if (JSON.parse(oldFile('package.json')).version !== '0.1.0') throw new Error(`commit ${LAST_0_1_0} is not version 0.1.0`);
  log(`building the 0.1.0 package from git ${LAST_0_1_0.slice(0, 12)} (about two minutes; cached in ${cache})`);
  const work = mkdtempSync(join(tmpdir(), 'env-sync-0.1.0-'));
  try {
    const src = join(work, 'src');
    git(['clone', '--quiet', '--shared', '--no-checkout', repoRoot, src], work);
    git(['checkout', '--quiet', LAST_0_1_0], src);
    for (const [cmd, args] of [
      ['npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund']],
      ['npm', ['run', 'build']],
      [process.execPath, ['scripts/package-deb.mjs', '--out', join(work, 'out')]],
    ] as Array<[string, string[]]>) {
      const r = spawnSync(cmd, args, { cwd: src, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 900_000 });
      if (r.status !== 0)
        throw new Error(`building 0.1.0: ${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr.slice(-2000)}${r.stdout.slice(-1000)}`);
    }
    const built = join(work, 'out', 'env-sync-checks_0.1.0_all.deb');
    readFileSync(built);
    mkdirSync(cache, { recursive: true });
    renameSync(built, deb);
    return deb;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
