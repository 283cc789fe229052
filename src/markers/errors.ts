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
