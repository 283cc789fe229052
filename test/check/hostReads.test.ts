// A host-wide view reads the state directory's inventory, its existence and owner, each job
// directory and the reboot-lock listing once for all its jobs; a single check looks at its own lock file. What each read answers is the
// same as reading again would, within the view.
import { expect } from 'chai';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostReads } from '../../src/check/hostReads.js';
import { inventoryOf, writeInventory } from '../../src/cron/inventory.js';
import { currentUser } from '../../src/common/host.js';
import { jobTrust } from '../../src/markers/trust.js';
import { newPause } from '../../src/cli/pause.js';
import { readPauses, writePause } from '../../src/markers/pause.js';
import { tempStateEach } from '../support/tmp.js';

describe('hostReads: what a host-wide view reads once for all its jobs', () => {
  const t = tempStateEach();
  // The records are this process's own: the unit tier runs as any user, root or not.
  const me = currentUser();
  const crontab = '18 0 * * * /usr/local/bin/govuk_env_sync.sh -f /etc/govuk_env_sync/pull_x.cfg\n';

  it('the inventory is read once: a second job of the view gets the first answer, a new view reads again', () => {
    const trust = jobTrust(t.state, null, { user: me });
    writeInventory(t.state, inventoryOf(crontab, me, '--crontab FILE', new Date()));
    const view = hostReads(true);
    expect(view.inventory(t.state, trust)?.jobs.map((j) => j.job)).to.deep.equal(['pull_x']);
    rmSync(join(t.state, 'inventory.json'));
    expect(view.inventory(t.state, trust)?.jobs.map((j) => j.job)).to.deep.equal(['pull_x']);
    expect(hostReads(true).inventory(t.state, trust)).to.equal(null);
  });

  it('a corrupt inventory is the same MarkerError for every job of the view', () => {
    const trust = jobTrust(t.state, null, { user: me });
    writeFileSync(join(t.state, 'inventory.json'), '{"schema":');
    const view = hostReads(true);
    const first = (() => {
      try {
        view.inventory(t.state, trust);
      } catch (err) {
        return err as Error;
      }
      return null;
    })();
    expect(first?.message).to.match(/is not a job inventory/);
    expect(() => view.inventory(t.state, trust)).to.throw(first!.message);
  });

  it('the state directory missing is said the same for every job, from one look', () => {
    const view = hostReads(true);
    const gone = join(t.dir, 'gone');
    expect(view.missingStateDir(gone, 'govuk-backup')).to.match(/^state directory .*gone does not exist; create it: install -d -o govuk-backup/);
    mkdirSync(gone);
    expect(view.missingStateDir(gone, 'govuk-backup')).to.match(/does not exist/);
    expect(hostReads(true).missingStateDir(gone, 'govuk-backup')).to.equal(null);
  });

  it('lock files: a view lists the directory once and stats only names in it, and the shared file once; a single check always looks', () => {
    const locks = join(t.dir, 'locks');
    mkdirSync(locks);
    writeFileSync(join(locks, 'reboot_lock-env-sync_pull_x'), '');
    const view = hostReads(true);
    expect(view.lockFile(locks, 'reboot_lock-env-sync_pull_x', false)).to.have.property('mtimeMs');
    expect(view.lockFile(locks, 'reboot_lock-env-sync_pull_y', false)).to.equal(null);
    expect(view.lockFile(locks, 'reboot_lock', true)).to.equal(null);
    // Made after the view looked: the view keeps its one listing and its one look at the shared file.
    writeFileSync(join(locks, 'reboot_lock-env-sync_pull_y'), '');
    writeFileSync(join(locks, 'reboot_lock'), '');
    expect(view.lockFile(locks, 'reboot_lock-env-sync_pull_y', false)).to.equal(null);
    expect(view.lockFile(locks, 'reboot_lock', true)).to.equal(null);
    expect(hostReads(false).lockFile(locks, 'reboot_lock-env-sync_pull_y', false)).to.have.property('mtimeMs');
    expect(hostReads(true).lockFile(locks, 'reboot_lock', true)).to.have.property('mtimeMs');
    // No directory, no lock file; one that cannot be listed (here a file) is no lock directory either.
    expect(hostReads(true).lockFile(join(t.dir, 'no-such-dir'), 'reboot_lock-env-sync_pull_x', false)).to.equal(null);
    expect(hostReads(true).lockFile(join(locks, 'reboot_lock-env-sync_pull_x'), 'reboot_lock-env-sync_pull_x', false)).to.equal(null);
  });

  it('each directory is looked at once in a view, followed (the state directory) or not (a job directory)', () => {
    const view = hostReads(true);
    const job = join(t.state, 'pull_x');
    mkdirSync(job);
    expect(view.dirStat(t.state, true)?.isDirectory()).to.equal(true);
    expect(view.dirStat(job, false)?.isDirectory()).to.equal(true);
    rmSync(t.state, { recursive: true });
    expect(view.dirStat(t.state, true)?.isDirectory()).to.equal(true);
    expect(view.dirStat(job, false)?.isDirectory()).to.equal(true);
    expect(hostReads(true).dirStat(job, false)).to.equal(undefined);
  });

  it("every job's pause (pause-all.json) is read once a view, a job's own only when its directory's listing holds it", () => {
    const trust = jobTrust(t.state, null, { user: me });
    const now = new Date();
    writePause(t.state, newPause(null, now, new Date(now.getTime() + 3600_000), 'CHG-1'));
    const view = hostReads(true);
    const first = view.pauseAll(t.state, trust);
    expect(first?.reason).to.equal('CHG-1');
    rmSync(join(t.state, 'pause-all.json'));
    expect(view.pauseAll(t.state, trust)).to.equal(first);
    expect(hostReads(true).pauseAll(t.state, trust)).to.equal(null);
    mkdirSync(join(t.state, 'pull_x'), { recursive: true });
    writePause(t.state, newPause('pull_x', now, new Date(now.getTime() + 3600_000), 'CHG-2'));
    const jobTrusted = jobTrust(t.state, 'pull_x', { user: me });
    expect(readPauses(t.state, 'pull_x', jobTrusted, now, () => null, ['pause.json'])?.active?.reason).to.equal('CHG-2');
    expect(readPauses(t.state, 'pull_x', jobTrusted, now, () => null, [])).to.equal(undefined);
    expect(readPauses(t.state, 'pull_x', jobTrusted, now)?.active?.reason).to.equal('CHG-2');
  });
});
