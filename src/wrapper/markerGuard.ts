// Monitoring must never make the sync worse: every marker operation of a run goes through one
// guard, and after the first failure the wrapper stops trying and just runs the command.
import { NewerSchemaError } from '../markers/errors.js';
import { MARKER_SCHEMA } from '../markers/types.js';
import type { RunReporter } from './report.js';

export class MarkerGuard {
  /** No marker operation has failed yet. */
  ok = true;
  /** Why the first one failed (its errno names the unrecorded marker). */
  lastError: unknown = null;

  constructor(
    private readonly reporter: RunReporter,
    private readonly stateDir: string,
    private readonly user: string,
  ) {}

  /** Runs one marker operation; on failure says so once and returns undefined, never throws. */
  async run<T>(what: string, fn: () => T | Promise<T>): Promise<T | undefined> {
    if (!this.ok) return undefined;
    try {
      return await fn();
    } catch (err) {
      this.ok = false;
      this.lastError = err;
      if (err instanceof NewerSchemaError) {
        // Not corrupt: a newer env-sync-run wrote it. Setting it aside would throw its records away.
        this.reporter.warn(
          `${err.path} was written with marker schema ${err.schema}, newer than this env-sync-run understands (${MARKER_SCHEMA}): left alone, and this run is not recorded; the sync runs anyway. Fix: upgrade env-sync-checks on this host to the version that wrote it (the checks say UNKNOWN until then)`,
        );
        return undefined;
      }
      this.reporter.warn(
        `cannot ${what} in ${this.stateDir} (${(err as Error).message}); the sync runs anyway but check_env_sync will not see this run. Fix: make ${this.stateDir} exist and be writable by ${this.user}`,
      );
      return undefined;
    }
  }
}
