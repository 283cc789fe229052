import { expect } from 'chai';
import { lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runFactsTextfile, TextfileError, VERDICT_TEXTFILE, writeTextfileAtomic } from '../../src/metrics/textfile.js';
import { run } from '../support/proc.js';
import { makeTempDir } from '../support/tmp.js';

describe('metrics: writing into the textfile directory', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = makeTempDir('env-sync-textfile-')));
  afterEach(() => cleanup());

  it('writes the file whole, mode 0644 even under a umask of 077, and leaves no temporary file', () => {
    const old = process.umask(0o077);
    try {
      const path = writeTextfileAtomic(dir, 'env_sync_pull_x.prom', 'a 1\n');
      expect(path).to.equal(join(dir, 'env_sync_pull_x.prom'));
      expect(readFileSync(path, 'utf8')).to.equal('a 1\n');
      expect(statSync(path).mode & 0o777).to.equal(0o644);
      writeTextfileAtomic(dir, 'env_sync_pull_x.prom', 'a 2\n');
      expect(readFileSync(path, 'utf8')).to.equal('a 2\n');
    } finally {
      process.umask(old);
    }
    expect(readdirSync(dir)).to.deep.equal(['env_sync_pull_x.prom']);
  });

  it('a write cut short (a file size limit): never a cut file under the name; the old one stays, an error says why', async () => {
    writeFileSync(join(dir, 'env_sync_pull_x.prom'), 'old 1\n');
    // prlimit's file size limit makes the first write stop at 200 bytes and the next fail with EFBIG.
    const module = new URL('../../src/metrics/textfile.js', import.meta.url).href;
    const script = `import(${JSON.stringify(module)}).then(({ writeTextfileAtomic }) => { try { writeTextfileAtomic(${JSON.stringify(dir)}, 'env_sync_pull_x.prom', 'x 1\\n'.repeat(500)); console.log('written'); } catch (e) { console.log(e.message); } })`;
    const r = await run('prlimit', ['--fsize=200', process.execPath, '--input-type=module', '-e', script]);
    expect(r.stdout).to.equal(`cannot write ${join(dir, 'env_sync_pull_x.prom')}: EFBIG: file too large, write\n`);
    expect(readFileSync(join(dir, 'env_sync_pull_x.prom'), 'utf8')).to.equal('old 1\n');
    expect(readdirSync(dir)).to.deep.equal(['env_sync_pull_x.prom']);
  });

  it('replaces a symbolic link at the name instead of writing through it', () => {
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'keep\n');
    symlinkSync(victim, join(dir, 'env_sync_verdicts.prom'));
    writeTextfileAtomic(dir, 'env_sync_verdicts.prom', 'b 1\n');
    expect(readFileSync(victim, 'utf8')).to.equal('keep\n');
    expect(lstatSync(join(dir, 'env_sync_verdicts.prom')).isFile()).to.equal(true);
  });

  it('refuses a directory that is a symbolic link, naming it and the fix', () => {
    const real = join(dir, 'real');
    mkdirSync(real);
    symlinkSync(real, join(dir, 'link'));
    expect(() => writeTextfileAtomic(join(dir, 'link'), 'x.prom', 'a 1\n')).to.throw(
      TextfileError,
      `textfile directory ${join(dir, 'link')} is a symbolic link; metrics are never written through links: give --textfile-dir the real directory`,
    );
    expect(readdirSync(real)).to.deep.equal([]);
    expect(readlinkSync(join(dir, 'link'))).to.equal(real);
  });

  it('a missing directory: an error that says how to create it; nothing is created', () => {
    const missing = join(dir, 'nope');
    expect(() => writeTextfileAtomic(missing, 'x.prom', 'a 1\n')).to.throw(
      TextfileError,
      `textfile directory ${missing} does not exist; create it (install -d -m 0755 ${missing}) or correct --textfile-dir`,
    );
    expect(readdirSync(dir)).to.deep.equal([]);
  });

  it('a failed rename leaves the old content and no temporary file', () => {
    mkdirSync(join(dir, 'x.prom'));
    writeFileSync(join(dir, 'x.prom', 'inside'), 'old\n');
    expect(() => writeTextfileAtomic(dir, 'x.prom', 'a 1\n')).to.throw(TextfileError, `cannot write ${join(dir, 'x.prom')}: it is a directory; remove it`);
    expect(readdirSync(dir)).to.deep.equal(['x.prom']);
    expect(readFileSync(join(dir, 'x.prom', 'inside'), 'utf8')).to.equal('old\n');
  });

  it('refuses a name node_exporter would not read or that is a path', () => {
    for (const name of ['x.txt', '.x.prom', '../x.prom', 'a/x.prom', 'x.prom.tmp', '']) {
      expect(() => writeTextfileAtomic(dir, name, ''), name).to.throw(TextfileError, 'must be a plain file name ending in .prom');
    }
  });

  it("a job's file is env_sync_<job>.prom; the job called verdicts has none, so it can never replace the verdict file", () => {
    expect(runFactsTextfile('pull_x')).to.equal('env_sync_pull_x.prom');
    expect(VERDICT_TEXTFILE).to.equal('env_sync_verdicts.prom');
    expect(() => runFactsTextfile('verdicts')).to.throw(
      TextfileError,
      'job verdicts has no textfile: env_sync_verdicts.prom is the file of env-sync metrics; run the job under another name (--job) to see its runs in Prometheus',
    );
    expect(runFactsTextfile('verdicts_daily')).to.equal('env_sync_verdicts_daily.prom');
    expect(() => runFactsTextfile('../x')).to.throw('invalid job name');
  });
});
