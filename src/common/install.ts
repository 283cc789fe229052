// Where this installation's executables are: beside the launcher this process was started by
// (plugins/ in a checkout, /usr/lib/env-sync-checks/plugins in the Debian package), links resolved.
import { realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function siblingExecutable(name: string, argv1: string | undefined = process.argv[1]): string {
  let self = argv1 ?? '';
  try {
    self = realpathSync(self);
  } catch {
    /* keep it as given */
  }
  return join(dirname(self), name);
}
