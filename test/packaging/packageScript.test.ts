// scripts/package-deb.mjs (npm run package) on bad arguments: the argument and the fix, exit 1, and no
// staging directory left behind in the temp dir.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../support/proc.js';
import { makeTempDir } from '../support/tmp.js';

describe('npm run package: bad arguments', function () {
  this.timeout(120_000);
  const staging = () => readdirSync(tmpdir()).filter((f) => f.startsWith('env-sync-deb-stage-'));
  const build = (...args: string[]) => spawnSync(process.execPath, [join(repoRoot, 'scripts', 'package-deb.mjs'), ...args], { encoding: 'utf8' });

  it('refuses a version Debian would not accept, naming it and the form it needs', function () {
    const r = build('--version', 'v1.0');
    expect(r.status).to.equal(1);
    expect(r.stderr).to.equal(
      'package-deb: --version "v1.0": a Debian version starts with a digit and holds only letters, digits and . + ~ (e.g. 0.1.0 or 0.1.0+1)\n',
    );
  });

  it('refuses an unknown argument with the usage', function () {
    const r = build('--outdir', '/tmp');
    expect(r.status).to.equal(1);
    expect(r.stderr).to.equal('package-deb: unknown argument "--outdir": usage: node scripts/package-deb.mjs [--version VERSION] [--out DIR]\n');
  });

  it('names an --out it cannot use, and leaves no staging directory behind', function () {
    const tmp = makeTempDir('env-sync-pkgarg-');
    try {
      const before = staging();
      writeFileSync(join(tmp.dir, 'a-file'), '');
      const r = build('--out', join(tmp.dir, 'a-file', 'sub'));
      expect(r.status).to.equal(1);
      expect(r.stderr).to.match(
        new RegExp(`^package-deb: --out ${join(tmp.dir, 'a-file', 'sub')}: cannot make the directory \\(.*ENOTDIR.*\\); give a directory you can write\\n$`),
      );
      expect(staging().filter((f) => !before.includes(f))).to.deep.equal([]);
    } finally {
      tmp.cleanup();
    }
  });
});
