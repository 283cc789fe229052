// Issue 25, finding 10 (bounds): a crontab of 600 jobs under long VAR= lines made an inventory of
// 1.4 MB, each job carrying its own copy of the settings, and every reader refuses a file over 1 MiB:
// the unwrapped jobs vanished from the checks. Schema 2 keeps the settings once; an inventory that
// still cannot fit is refused by the writer with a message naming the crontab and the bound, never cut.
import { expect } from 'chai';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inventoryOf, inventoryPath, InventoryTooBig, MAX_INVENTORY_BYTES, readInventory, writeInventory } from '../../src/cron/inventory.js';
import { jobTrust } from '../../src/markers/trust.js';
import { plugin, run } from '../support/proc.js';
import { tempStateEach } from '../support/tmp.js';

const CLI = plugin('env-sync');
const NOW = new Date('2026-12-07T03:00:00Z');

/** `jobs` jobs under four long VAR= lines, with a setting changed before job 300. */
function bigCrontab(commandPad = 0, jobs = 600): string {
  const lines = Array.from({ length: 4 }, (_, i) => `VAR_${i}="${String(i).repeat(450)}"`);
  for (let n = 0; n < jobs; n++) {
    if (n === 300) lines.push('VAR_0=changed');
    lines.push(
      `# Puppet Name: pull_${n}`,
      `18 0 * * * /usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_${n}.cfg${commandPad ? ` # ${'x'.repeat(commandPad)}` : ''}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

describe('job inventory bounds: VAR= lines stored once, refused when still too big (issue 25, finding 10)', () => {
  const t = tempStateEach();
  const trust = () => jobTrust(t.state, null);

  it('600 jobs under four 450-byte VAR= lines: under the 1 MiB bound (a copy a job would be over it), every job read back with its settings', () => {
    const inv = inventoryOf(bigCrontab(), 'govuk-backup', '--crontab test', NOW);
    expect(Buffer.byteLength(JSON.stringify({ ...inv, schema: 1 }, null, 1)), 'schema 1 (settings in every job)').to.be.above(MAX_INVENTORY_BYTES);
    writeInventory(t.state, inv);
    expect(statSync(inventoryPath(t.state)).size).to.be.below(MAX_INVENTORY_BYTES / 4);
    const back = readInventory(t.state, trust())!;
    expect(back.jobs).to.have.length(600);
    expect(back.jobs[0]!.env).to.deep.equal(inv.jobs[0]!.env);
    expect(back.jobs[0]!.env.VAR_0).to.equal('0'.repeat(450));
    expect(back.jobs[299]!.env.VAR_0).to.equal('0'.repeat(450));
    expect(back.jobs[300]!.env).to.deep.equal({ ...inv.jobs[0]!.env, VAR_0: 'changed' });
    expect(back.jobs[599]!.env.VAR_3).to.equal('3'.repeat(450));
    for (let i = 0; i < 600; i++) expect(back.jobs[i]!.env).to.deep.equal(inv.jobs[i]!.env);
  });

  it('an inventory that still cannot fit is refused, naming the crontab and the bound; the old one stays', () => {
    writeInventory(t.state, inventoryOf(bigCrontab(), 'govuk-backup', '--crontab old', NOW));
    const before = readFileSync(inventoryPath(t.state), 'utf8');
    const inv = inventoryOf(bigCrontab(2000), 'govuk-backup', '--crontab /etc/big.crontab (env-sync config)', NOW);
    expect(() => writeInventory(t.state, inv)).to.throw(
      InventoryTooBig,
      /govuk-backup's crontab \(--crontab \/etc\/big\.crontab \(env-sync config\), 600 jobs\) would be \d+ bytes, over the readers' bound of 1048576 bytes; not written/,
    );
    expect(readFileSync(inventoryPath(t.state), 'utf8')).to.equal(before);
  });

  it('env-sync config inventory --crontab of such a crontab (under the 1 MiB crontab bound, 3,000 jobs): exit non-zero with that message, nothing written', async () => {
    const tab = join(t.dir, 'big.crontab');
    writeFileSync(tab, bigCrontab(180, 3000));
    expect(statSync(tab).size).to.be.below(MAX_INVENTORY_BYTES);
    const r = await run(CLI, ['config', 'inventory', '--crontab', tab, '--state-dir', t.state]);
    expect(r.code).to.not.equal(0);
    expect(r.stderr).to.match(
      new RegExp(`crontab \\(--crontab ${tab} \\(env-sync config\\), 3000 jobs\\) would be \\d+ bytes, over the readers' bound of 1048576 bytes`),
    );
    expect(existsSync(inventoryPath(t.state))).to.equal(false);
  });

  it('a schema-1 inventory (settings in each job), as older wrappers wrote it, is still read', () => {
    const inv = inventoryOf(
      'PGHOST=db1\n18 0 * * * /usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_x.cfg\n',
      'govuk-backup',
      'crontab -l (env-sync-run)',
      NOW,
    );
    writeFileSync(inventoryPath(t.state), JSON.stringify({ ...inv, schema: 1 }));
    const back = readInventory(t.state, trust())!;
    expect(back.jobs.map((j) => [j.job, j.env])).to.deep.equal([['pull_x', { PGHOST: 'db1' }]]);
  });
});
