// A plugin's -t deadline, checked inside the loops that run without ever waiting: the plugin's timer
// (output/pluginRuntime.ts) fires only once the process waits for I/O, and 100,000 job directories
// judged from synchronous reads never do. Date.now() costs some tens of nanoseconds, so each pass of a
// loop over jobs, files or entries looks at it (issue 25, finding 10).

/** Thrown when a plugin's -t deadline passes; `stage` names what was slow. */
export class StageTimeoutError extends Error {
  constructor(readonly stage: string) {
    super(`timed out while ${stage}`);
  }
}

/** Throws StageTimeoutError naming the stage (made only then) once `deadline` (ms since the epoch) has passed. */
export function checkDeadline(deadline: number | undefined, stage: () => string): void {
  if (deadline !== undefined && Date.now() > deadline) throw new StageTimeoutError(stage());
}
