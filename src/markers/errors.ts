/** A marker that cannot be trusted or understood; the message names the file and the fix. */
export class MarkerError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
    readonly fix: string,
  ) {
    super(`${path}: ${problem}; ${fix}`);
  }
}

/**
 * A marker written by a newer env-sync-run than this one (a newer schema): a reader says UNKNOWN;
 * the wrapper leaves the file alone (it is not corrupt, only not ours to rewrite) and records nothing.
 */
export class NewerSchemaError extends MarkerError {
  constructor(
    path: string,
    readonly schema: number,
    problem: string,
    fix: string,
  ) {
    super(path, problem, fix);
  }
}
