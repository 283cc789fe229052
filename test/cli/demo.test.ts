// `npm run demo` is the README's first command on a fresh machine: every step it shows must run as
// the README says, with no step failing for reasons of the machine it runs on (no cron daemon, run
// as root).
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../support/proc.js';

describe('npm run demo (scripts/demo.mjs)', function () {
  this.timeout(120_000);

  it('runs every step: the wrapped syncs, the checks, status without the machine’s cron, a Re-run line printed', () => {
    const r = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'demo.mjs')], { encoding: 'utf8', env: { ...process.env, DEMO_KEEP: '' } });
    expect(r.status, r.stderr).to.equal(0);
    const out = r.stdout;
    expect(out).to.not.match(/internal error|stack|TypeError/);
    // The sample crontab is not one cron runs: whether this machine's cron runs is not the demo's business.
    expect(out).to.not.include('SCHEDULER');
    const rerun = out.slice(out.indexOf('env-sync rerun'));
    expect(rerun).to.match(/runuser -P -u \S+ -- env -i .*env-sync-run --job pull_signon_production_daily/);
    expect(rerun).to.include('(exit 0)');
  });
});
