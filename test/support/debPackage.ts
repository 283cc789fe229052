// The Debian package as `npm run package` builds it (scripts/package-deb.mjs), for the tests and the
// bench, from the dist/ the test build made.
import { spawnSync } from 'node:child_process';
import { repoRoot } from './proc.js';
import { join } from 'node:path';

export const PACKAGE = 'env-sync-checks';

/** Builds the .deb into outDir (with another version when given) and returns its path. */
export function buildDeb(outDir: string, version?: string): string {
  const args = [join(repoRoot, 'scripts', 'package-deb.mjs'), '--out', outDir, ...(version ? ['--version', version] : [])];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`scripts/package-deb.mjs failed (${r.status ?? r.signal}): ${r.stderr}${r.stdout}`);
  const lines = r.stdout.trim().split('\n');
  return lines[lines.length - 1]!;
}

/** A tool the packaging tests need, or an error naming the Debian package that brings it. */
export function requireTool(cmd: string, debianPackage: string): void {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`]);
  if (r.status !== 0) throw new Error(`${cmd} is missing: install the Debian package ${debianPackage} (bash scripts/test-deps.sh)`);
}
