// npm run package: the Debian package env-sync-checks_<version>_all.deb, assembled from the built
// dist/ and the files in packaging/deb/ and icinga-conf/, and built with dpkg-deb alone: no network,
// no debhelper, nothing compiled. The last line printed is the package's path.
//
//   node scripts/package-deb.mjs [--version VERSION] [--out DIR]
//     --version  the Debian version (default: package.json's); a test builds a higher one to upgrade to
//     --out      where the .deb goes (default: the checkout, as npm pack does)
//
// Layout (docs/packaging.md): the launcher and its links in /usr/lib/env-sync-checks/plugins/ and the
// bundles with their code caches in /usr/lib/env-sync-checks/dist/, as in the checkout, because the
// launcher finds dist/ at ../dist from its own real path and an executable that runs another finds it
// beside that path; relative links to them from /usr/lib/nagios/plugins and /usr/bin.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PACKAGE = 'env-sync-checks';
const LIB = `usr/lib/${PACKAGE}`;
const DOC = `usr/share/doc/${PACKAGE}`;
const PLUGINS = ['check_env_sync', 'check_env_sync_all', 'check_env_sync_order'];
const COMMANDS = ['env-sync', 'env-sync-run'];
const EXECUTABLES = [...PLUGINS, ...COMMANDS];
const CONFFILES = ['/etc/default/env-sync-checks', '/etc/nagios/nrpe.d/env-sync-checks.cfg'];

// Once the staging directory exists an error is thrown, not process.exit(), so that it is removed.
class PackageError extends Error {}
let work = null;
function die(message) {
  if (work !== null) throw new PackageError(message);
  process.stderr.write(`package-deb: ${message}\n`);
  process.exit(1);
}

function parseArgs(argv) {
  const opts = { version: null, out: root };
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i];
    const value = argv[i + 1];
    if ((name === '--version' || name === '--out') && value !== undefined) {
      opts[name.slice(2)] = value;
      i++;
    } else {
      die(`unknown argument ${JSON.stringify(name)}: usage: node scripts/package-deb.mjs [--version VERSION] [--out DIR]`);
    }
  }
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
const meta = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const version = opts.version ?? meta.version;
// Debian's version syntax without an epoch or a revision: a native package of our own.
if (!/^[0-9][A-Za-z0-9.+~]*$/.test(version))
  die(`--version ${JSON.stringify(version)}: a Debian version starts with a digit and holds only letters, digits and . + ~ (e.g. 0.1.0 or 0.1.0+1)`);
const maintainer = process.env.DEBFULLNAME && process.env.DEBEMAIL ? `${process.env.DEBFULLNAME} <${process.env.DEBEMAIL}>` : meta.author;
if (!maintainer) die('no maintainer: set "author" in package.json, or DEBFULLNAME and DEBEMAIL');

const dist = join(root, 'dist');
for (const exe of EXECUTABLES) {
  const bundle = join(dist, `${exe.replace(/-/g, '_')}.cjs`);
  if (!existsSync(bundle)) die(`${relative(root, bundle)} is missing: dist/ is not built; run npm run build first (npm run package does)`);
}
for (const [tool, pkg] of [
  ['dpkg-deb', 'dpkg'],
  ['gzip', 'gzip'],
]) {
  if (spawnSync(tool, ['--version']).error) die(`${tool} is missing: install the Debian package ${pkg}`);
}

// Files get the time of the commit they come from (or SOURCE_DATE_EPOCH), so that two builds of one
// commit give the same package.
const epoch = Number(
  process.env.SOURCE_DATE_EPOCH ??
    (spawnSync('git', ['log', '-1', '--format=%ct'], { cwd: root, encoding: 'utf8' }).stdout?.trim() || Math.floor(Date.now() / 1000)),
);

work = mkdtempSync(join(tmpdir(), 'env-sync-deb-stage-'));
const stage = join(work, `${PACKAGE}_${version}_all`);

/** A file in the package: text or bytes, 0644 unless told. */
function put(path, contents, mode = 0o644) {
  const to = join(stage, path);
  mkdirSync(dirname(to), { recursive: true });
  writeFileSync(to, contents);
  chmodSync(to, mode);
}

/** A relative symbolic link, as Debian policy wants within /usr. */
function link(path, target) {
  const at = join(stage, path);
  mkdirSync(dirname(at), { recursive: true });
  symlinkSync(relative(dirname(at), join(stage, target)), at);
}

function copyTree(from, to, keep = () => true) {
  cpSync(from, join(stage, to), { recursive: true, filter: (src) => keep(src) });
  const fix = (p) => {
    const st = lstatSync(p);
    if (st.isDirectory()) {
      chmodSync(p, 0o755);
      for (const e of readdirSync(p)) fix(join(p, e));
    } else if (st.isFile()) chmodSync(p, 0o644);
  };
  fix(join(stage, to));
}

// The steps, in order. Each puts one part of the package into the staging tree.
const steps = [
  function runtime() {
    // #!/usr/bin/node rather than the checkout's #!/usr/bin/env node: the interpreter the Depends
    // names, whatever PATH cron or NRPE give.
    const launcher = readFileSync(join(root, 'plugins', 'launch.cjs'), 'utf8');
    const shebang = '#!/usr/bin/env node\n';
    if (!launcher.startsWith(shebang))
      die(`plugins/launch.cjs no longer starts with ${JSON.stringify(shebang)}: update the shebang rewrite in scripts/package-deb.mjs`);
    put(`${LIB}/plugins/launch.cjs`, `#!/usr/bin/node\n${launcher.slice(shebang.length)}`, 0o755);
    for (const exe of EXECUTABLES) link(`${LIB}/plugins/${exe}`, `${LIB}/plugins/launch.cjs`);
    // The bundles without the build machine's code caches: a cache fits one V8, so postinst writes
    // those of the host's /usr/bin/node with the warm-up the package carries (packaging/deb/postinst).
    copyTree(dist, `${LIB}/dist`, (p) => !/\.cache$/.test(p));
    put(`${LIB}/scripts/warm-code-cache.mjs`, readFileSync(join(root, 'scripts', 'warm-code-cache.mjs')));
  },
  function executables() {
    for (const exe of PLUGINS) link(`usr/lib/nagios/plugins/${exe}`, `${LIB}/plugins/${exe}`);
    for (const exe of COMMANDS) link(`usr/bin/${exe}`, `${LIB}/plugins/${exe}`);
  },
  function configuration() {
    put('etc/default/env-sync-checks', readFileSync(join(root, 'packaging/deb/default')));
    put('etc/nagios/nrpe.d/env-sync-checks.cfg', readFileSync(join(root, 'packaging/deb/nrpe.cfg')));
  },
  function icinga2() {
    // The same CheckCommands as icinga-conf/icinga2/commands.conf, for `include <plugins-contrib>`.
    const header = [
      '/*',
      ' * env-sync-checks: installed by its Debian package into the ITL directory plugins-contrib.d and',
      " * read through `include <plugins-contrib>` (Debian's icinga2.conf has it). Do not also sync",
      ' * icinga-conf/icinga2/commands.conf in a global zone to a node that has this file: each',
      ' * CheckCommand would be defined twice (/usr/share/doc/env-sync-checks/docs/packaging.md).',
      ' */',
      '',
    ].join('\n');
    put('usr/share/icinga2/include/plugins-contrib.d/env-sync.conf', header + readFileSync(join(root, 'icinga-conf/icinga2/commands.conf'), 'utf8'));
    // The apply rules, one file per variant (an administrator includes only those in use).
    for (const f of readdirSync(join(root, 'icinga-conf/icinga2')).filter((f) => /^services-.*\.conf$/.test(f)))
      put(`${DOC}/examples/icinga2/${f}`, readFileSync(join(root, 'icinga-conf/icinga2', f)));
    put(`${DOC}/examples/icinga2/hosts.conf`, readFileSync(join(root, 'icinga-conf/icinga2/examples/hosts.conf')));
    for (const f of readdirSync(join(root, 'icinga-conf/icinga1'))) put(`${DOC}/examples/icinga1/${f}`, readFileSync(join(root, 'icinga-conf/icinga1', f)));
  },
  function documentation() {
    put(`${DOC}/README.md`, readFileSync(join(root, 'README.md')));
    put(`${DOC}/NEWS.md`, readFileSync(join(root, 'NEWS.md')));
    for (const f of readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md'))) put(`${DOC}/docs/${f}`, readFileSync(join(root, 'docs', f)));
    put(`${DOC}/copyright`, copyright());
    put(`${DOC}/changelog.gz`, gzipSync(changelog(), { level: 9 }));
  },
  async function manPages() {
    // Written from the one option table (src/docs/manPage.ts, built into build/ by tsc), so that
    // they never drift from --help; gzip -9n as Debian policy wants them: no name, no time stamp.
    const built = join(root, 'build/src/docs/manPage.js');
    if (!existsSync(built)) die(`${relative(root, built)} is missing: run npm run build first (npm run package does)`);
    const { MAN_EXECUTABLES, manPage } = await import(built);
    const date = new Date(epoch * 1000).toISOString().slice(0, 10);
    for (const exe of EXECUTABLES) {
      if (!MAN_EXECUTABLES.includes(exe)) die(`src/docs/manPage.ts has no page for ${exe}: add it to MAN_EXECUTABLES`);
      const gz = spawnSync('gzip', ['-9n'], { input: manPage(exe, { version, date }) });
      if (gz.status !== 0) die(`gzip -9n failed on the man page of ${exe}: ${gz.error?.message ?? gz.stderr}`);
      put(`usr/share/man/man1/${exe}.1.gz`, gz.stdout);
    }
    // lintian calls a section-1 page "spare" when no executable of its name is on PATH: the plugins'
    // are in /usr/lib/nagios/plugins, where Icinga and NRPE run them (gpg-agent overrides the same tag
    // for its programs in /usr/lib/gnupg). docs/packaging.md lists this override.
    const overrides = [
      '# The plugins live in /usr/lib/nagios/plugins, where Icinga and NRPE run them, not on PATH;',
      '# their manual pages are read with man check_env_sync and the like.',
      ...PLUGINS.map((p) => `${PACKAGE}: spare-manual-page [usr/share/man/man1/${p}.1.gz]`),
    ];
    put(`usr/share/lintian/overrides/${PACKAGE}`, `${overrides.join('\n')}\n`);
  },
  function control() {
    mkdirSync(join(stage, 'DEBIAN'), { recursive: true });
    put('DEBIAN/control', controlFile());
    put('DEBIAN/conffiles', `${CONFFILES.join('\n')}\n`);
    put('DEBIAN/postinst', readFileSync(join(root, 'packaging/deb/postinst')), 0o755);
    put('DEBIAN/prerm', readFileSync(join(root, 'packaging/deb/prerm')), 0o755);
    put('DEBIAN/postrm', readFileSync(join(root, 'packaging/deb/postrm')), 0o755);
    put('DEBIAN/triggers', readFileSync(join(root, 'packaging/deb/triggers')));
    put('DEBIAN/md5sums', md5sums());
  },
];

/**
 * The Debian changelog, one entry per version of NEWS.md (`## VERSION (YYYY-MM-DD)` and its `- ` items),
 * newest first, so that the two never say different things. The newest must be package.json's
 * version; a build with another --version (a test's upgrade target) gets an entry of its own on top.
 */
function changelog() {
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout?.trim();
  const entries = newsEntries();
  if (entries[0]?.version !== meta.version)
    die(
      `NEWS.md's newest entry is ${entries[0] ? entries[0].version : 'missing'}, not package.json's version ${meta.version}: add "## ${meta.version} (YYYY-MM-DD)" and its changes at the top of NEWS.md`,
    );
  const stamp = (seconds) => new Date(seconds * 1000).toUTCString().replace(/GMT$/, '+0000');
  const entry = (v, items, seconds) => `${PACKAGE} (${v}) unstable; urgency=medium\n\n${items.map(bullet).join('')}\n -- ${maintainer}  ${stamp(seconds)}\n`;
  const out = entries.map((e) => entry(e.version, e.items, e.seconds));
  if (version !== meta.version) {
    out.unshift(
      entry(version, [`Built as ${version} from env-sync-checks ${meta.version}${commit ? ` (git ${commit})` : ''}.`], Math.max(epoch, entries[0].seconds + 1)),
    );
  }
  return out.join('\n');
}

function newsEntries() {
  const text = readFileSync(join(root, 'NEWS.md'), 'utf8');
  const entries = [];
  for (const line of text.split('\n')) {
    const head = /^## (\S+) \((\d{4}-\d{2}-\d{2})\)\s*$/.exec(line);
    if (head) {
      entries.push({ version: head[1], seconds: Date.parse(`${head[2]}T00:00:00Z`) / 1000, items: [] });
    } else if (entries.length && /^- /.test(line)) {
      entries.at(-1).items.push(line.slice(2).trim());
    } else if (entries.length && /^ {2}\S/.test(line) && entries.at(-1).items.length) {
      const items = entries.at(-1).items;
      items[items.length - 1] += ` ${line.trim()}`;
    }
  }
  for (const e of entries) if (!e.items.length) die(`NEWS.md: the entry for ${e.version} has no "- " item`);
  return entries;
}

/** One changelog item, `  * ` and its words wrapped at 78 columns, Markdown's backquotes dropped. */
function bullet(text) {
  const words = text.replace(/`/g, '').split(/\s+/);
  const lines = [];
  let cur = '';
  for (const w of words) {
    if (cur && cur.length + 1 + w.length > 74) {
      lines.push(cur);
      cur = w;
    } else cur = cur ? `${cur} ${w}` : w;
  }
  lines.push(cur);
  return `${lines.map((l, i) => `${i === 0 ? '  * ' : '    '}${l}`).join('\n')}\n`;
}

/** The project's licence and, for every npm package esbuild put into a bundle, its own. */
function copyright() {
  const inBundles = new Set();
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith('.cjs')) {
        // esbuild marks each module it bundles with a `// node_modules/<package>/<file>` comment.
        for (const m of readFileSync(join(d, e.name), 'utf8').matchAll(/^\/\/ ((?:node_modules\/(?:@[^/\n]+\/)?[^/\n]+\/)+)/gm))
          inBundles.add(m[1].slice(0, -1));
      }
    }
  };
  walk(dist);
  const parts = [
    `${PACKAGE}`,
    '',
    `The package holds env-sync-checks ${meta.version} (licence: ${meta.license}), bundled with esbuild`,
    'into /usr/lib/env-sync-checks/dist/ together with the npm packages listed after it, each under its',
    'own licence, quoted from the package.',
    '',
    `Copyright: the env-sync-checks authors`,
    `License: ${meta.license}`,
    '',
    ...licenceText(meta.license),
  ];
  for (const dir of [...inBundles].sort()) {
    const pj = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
    const file = readdirSync(join(root, dir)).find((f) => /^licen[cs]e([-.][a-z0-9.-]+)?$/i.test(f));
    if (!file) die(`${dir} is in the bundles but has no LICENSE file: name its licence in scripts/package-deb.mjs`);
    const licence = typeof pj.license === 'string' ? pj.license : JSON.stringify(pj.license);
    const text = readFileSync(join(root, dir, file), 'utf8');
    parts.push('', '-'.repeat(72), '', `npm package ${pj.name} ${pj.version} (licence: ${licence})`, '');
    const common = COMMON_LICENCES[licence];
    if (common) {
      // Debian has the text: name it, and keep the package's own copyright lines.
      parts.push(
        ...text
          .split('\n')
          .filter((l) => /^\s*Copyright\b.*\d{4}/.test(l))
          .map((l) => `  ${l.trim()}`),
      );
      parts.push(`  On Debian systems the full text of the ${licence} licence is in ${common}.`);
    } else {
      parts.push(
        ...text
          .trimEnd()
          .split('\n')
          .map((l) => (l.trim() === '' ? '' : `  ${l.trimEnd()}`)),
      );
    }
  }
  return `${parts.join('\n')}\n`;
}

// Licences whose text Debian keeps in base-files, which the copyright file must point at, not quote.
const COMMON_LICENCES = {
  'Apache-2.0': '/usr/share/common-licenses/Apache-2.0',
  'GPL-2.0': '/usr/share/common-licenses/GPL-2',
  'GPL-3.0': '/usr/share/common-licenses/GPL-3',
  'LGPL-2.1': '/usr/share/common-licenses/LGPL-2.1',
  'MPL-2.0': '/usr/share/common-licenses/MPL-2.0',
};

function licenceText(id) {
  if (id !== 'MIT') die(`package.json's licence is ${id}: add its text to scripts/package-deb.mjs`);
  return [
    'Permission is hereby granted, free of charge, to any person obtaining a copy of this software',
    'and associated documentation files (the "Software"), to deal in the Software without',
    'restriction, including without limitation the rights to use, copy, modify, merge, publish,',
    'distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the',
    'Software is furnished to do so, subject to the following conditions:',
    '',
    'The above copyright notice and this permission notice shall be included in all copies or',
    'substantial portions of the Software.',
    '',
    'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING',
    'BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND',
    'NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,',
    'DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,',
    'OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.',
  ];
}

/** Every regular file of the staging tree outside DEBIAN/, relative, sorted. */
function payloadFiles() {
  const out = [];
  const walk = (rel) => {
    for (const e of readdirSync(join(stage, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (p === 'DEBIAN') continue;
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  walk('');
  return out.sort();
}

function md5sums() {
  return payloadFiles()
    .map(
      (p) =>
        `${createHash('md5')
          .update(readFileSync(join(stage, p)))
          .digest('hex')}  ${p}\n`,
    )
    .join('');
}

function controlFile() {
  const du = spawnSync('du', ['-sk', '--apparent-size', '--exclude=DEBIAN', stage], { encoding: 'utf8' });
  const installedKiB = Number(du.stdout.split('\t')[0]);
  if (!Number.isFinite(installedKiB)) die(`du failed on the staging tree: ${du.stderr}`);
  return [
    `Package: ${PACKAGE}`,
    `Version: ${version}`,
    'Architecture: all',
    `Maintainer: ${maintainer}`,
    `Installed-Size: ${installedKiB}`,
    'Depends: nodejs (>= 18.19)',
    'Suggests: icinga2-bin | nagios-nrpe-server',
    'Section: net',
    'Priority: optional',
    'Description: checks and cron wrapper for nightly data-sync jobs',
    ' env-sync-run goes into the cron line of a data-sync job (such as',
    ' govuk_env_sync.sh): it records each run in /var/lib/env-sync and copies the',
    " job's output to syslog. The Nagios/Icinga plugins check_env_sync,",
    ' check_env_sync_all and check_env_sync_order turn those records into an alert',
    ' that says what broke, where the evidence is and how to re-run the job;',
    ' env-sync is the command line for the engineer on call.',
    ' .',
    ' The package also brings an NRPE command file (examples only), the Icinga 2',
    ' CheckCommands for include <plugins-contrib>, and example apply rules.',
    '',
  ].join('\n');
}

try {
  for (const step of steps) await step();
  // Directories 0755 whatever the umask; every entry gets the commit's time.
  const settle = (p) => {
    const st = lstatSync(p);
    if (st.isDirectory()) {
      chmodSync(p, 0o755);
      for (const e of readdirSync(p)) settle(join(p, e));
    }
    lutimesSync(p, epoch, epoch);
  };
  settle(stage);
  const outDir = resolve(opts.out);
  try {
    mkdirSync(outDir, { recursive: true });
  } catch (err) {
    die(`--out ${outDir}: cannot make the directory (${err.message}); give a directory you can write`);
  }
  const deb = join(outDir, `${PACKAGE}_${version}_all.deb`);
  const r = spawnSync('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', stage, deb], {
    encoding: 'utf8',
    env: { ...process.env, SOURCE_DATE_EPOCH: String(epoch) },
  });
  if (r.status !== 0) die(`dpkg-deb failed: ${r.stderr || r.stdout}`);
  process.stdout.write(`${deb}\n`);
} catch (err) {
  if (!(err instanceof PackageError)) throw err;
  process.stderr.write(`package-deb: ${err.message}\n`);
  process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
