// The Nodes the bench measures the typical check on: the one running the bench (the machine's) and
// the versions scripts/fetch-node.sh pins, fetched from the npm registry the way .ci/run does when
// they are not there yet. Each gets code caches of its own in dist/ (scripts/warm-code-cache.mjs run
// on it, as the build does for the Node that builds), so each is measured as a host with that Node
// and a checkout built for it would run the check.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export interface BenchNode {
  version: string;
  bin: string;
}

export function benchNodes(root: string): { nodes: BenchNode[]; error: string | null } {
  const nodes: BenchNode[] = [{ version: process.version, bin: process.execPath }];
  const fetched = spawnSync('bash', [join(root, 'scripts', 'fetch-node.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (fetched.status !== 0)
    return { nodes, error: fetched.stderr.trim() || `scripts/fetch-node.sh failed (${fetched.error?.message ?? `exit ${fetched.status}`})` };
  for (const line of fetched.stdout.trim().split('\n')) {
    const [version, bin] = line.split(' ') as [string, string];
    const warm = spawnSync(bin, [join(root, 'scripts', 'warm-code-cache.mjs')], { encoding: 'utf8' });
    if (warm.status !== 0) return { nodes, error: `scripts/warm-code-cache.mjs on Node ${version}: ${warm.stderr.trim()}` };
    nodes.push({ version: `v${version}`, bin });
  }
  return { nodes, error: null };
}

/** What the launcher says of its code cache when `node` runs the executable `exe` with `args` in `env`. */
export function codeCacheState(node: BenchNode, exe: string, args: string[], env: NodeJS.ProcessEnv): string {
  const r = spawnSync(node.bin, [exe, ...args], { env: { ...env, ENV_SYNC_DEBUG_CODE_CACHE: '1' }, encoding: 'utf8' });
  return /^code cache: (.*) \[Node /m.exec(r.stderr ?? '')?.[1] ?? 'unknown';
}
