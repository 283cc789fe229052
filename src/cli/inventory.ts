// `env-sync config inventory`: writes the job inventory (src/cron/inventory.ts) from the crontab,
// as root (who can read `crontab -l -u USER`), for user nagios's checks; the wrapper does the same
// on every run.
import { statSync } from 'node:fs';
import type { Values } from '../common/options.js';
import { nameOf } from '../common/users.js';
import { loadCrontab } from '../check/hostJobs.js';
import { inventoryOf, inventoryPath, writeInventory } from '../cron/inventory.js';
import { CliError, hostOptions } from './hostOptions.js';

export async function writeInventoryFromCrontab(a: Values<'env-sync config'>): Promise<number> {
  const o = hostOptions(a, true);
  const crontab = await loadCrontab(o);
  if (crontab.text === null)
    throw new CliError(`no crontab to write the inventory from: ${crontab.problems.join('; ') || 'give --crontab FILE or --user USER'}`);
  const user = o.crontab ? nameOf(statSync(o.crontab).uid) : o.user!;
  const from = o.crontab ? `--crontab ${o.crontab} (env-sync config)` : `crontab -l -u ${o.user} (env-sync config)`;
  const inv = inventoryOf(crontab.text, user, from, new Date());
  try {
    writeInventory(o.stateDir, inv);
  } catch (err) {
    throw new CliError(`cannot write ${inventoryPath(o.stateDir)}: ${(err as Error).message}`);
  }
  process.stdout.write(
    `${inventoryPath(o.stateDir)}: ${inv.jobs.length} jobs of ${user}'s crontab${inv.jobs.some((j) => j.redacted) ? ' (secrets redacted: those jobs show `sudo env-sync rerun JOB` as their re-run)' : ''}\n`,
  );
  return 0;
}
