// Secrets never reach a marker, a syslog copy, an alert or a passive result (docs/security.md,
// "Secrets"; every form in one table: docs/security-round3/redact.md). What counts as one:
//   1. URL credentials, scheme://user:password@host → scheme://***@host: everything between :// and
//      the last @ of the word, whatever it holds (@, /, quotes, <);
//   2. an assignment whose name says secret (PASSWORD, PASSWD, PASSPHRASE, _PWD, SECRET, TOKEN, KEY
//      anywhere in the name, the name bare or prefixed), any case: PGPASSWORD=hunter2 →
//      PGPASSWORD=***, password=x (libpq's `host=db password=x`), ?token=x in a URL query;
//   3. a password option: --password=x, --password x, --passwd …, --pass …, --passphrase … (gpg);
//   4. scoped to a word naming its tool, anywhere before it on the line (any case):
//      MySQL (mysql, mysqldump …): an attached -pSECRET → -p*** (govuk_env_sync.sh's own `-p path`
//      is a separate word and stays); openssl: -pass/-passin/-passout pass:X → pass:***;
//      curl: -u/-U/--user/--proxy-user user:X → -u ***; sshpass: -p X → -p ***.
//      The options are spelt as the tools spell them (-P and -U mean other things to mysql and sshpass).
// A value is a shell word: unquoted, quoted, or both run together (a'b c'd); a quote never closed
// runs to the end of the line.
// The stdout/stderr pass-through that cron mails is never changed: only the copies that are kept.
export const REDACTED = '***';

/**
 * A text holding none of these is left as it is by every rule above, and so needs no redacting:
 * the fast test the wrapper makes on blocks of output, and redactText on each line. Each rule's
 * pattern holds one literally, whatever the case of the rest: `://` (1), `=` (2), `--` (3), `-p`
 * (MySQL, openssl's -pass, sshpass), `-u`/`-U`/`--` (curl). A property test
 * (test/trust/secrets.test.ts) holds the rules to it.
 */
export const SECRET_NEEDLES: readonly string[] = ['://', '=', '--', '-p', '-u', '-U'];

interface Rule {
  /** The needles the rule's pattern holds one of literally: with none of them in the text, the rule is skipped. */
  needles: readonly string[];
  pattern: RegExp;
  replacement: string | ((...m: string[]) => string);
}

const SECRET_WORDS = 'password|passwd|passphrase|_pwd|secret|token|key';
const SECRET_ASSIGNED = new RegExp(`(?:${SECRET_WORDS})\\w*=`, 'i');

/** A word holding `://`: from its first `://` to its last `@`, the credentials go. */
function urlCredentials(word: string): string {
  const from = word.indexOf('://') + 3;
  const at = word.lastIndexOf('@');
  if (at < from) return word;
  const userinfo = word.slice(from, at);
  // A path with an @ in it (https://host/a@b) is not credentials; user:password or user@ before any / is.
  if (!userinfo.includes(':') && userinfo.includes('/')) return word;
  // A secret assigned before the last @ (?token=x@y) runs to the end of the word, past that @.
  return `${word.slice(0, from)}${REDACTED}@${SECRET_ASSIGNED.test(userinfo) ? REDACTED : word.slice(at + 1)}`;
}

// The tool words, any case, without the i flag (the options after them are case-sensitive).
const anyCase = (word: string) => [...word].map((c) => `[${c.toLowerCase()}${c.toUpperCase()}]`).join('');

/**
 * The rules, for text where a newline is whitespace like any other (a command's words, a message),
 * or for lines (`lines`: nothing matches across a newline, so redacting a block of lines at once is
 * redacting each of its lines: the wrapper's block path, proved equal by a property test).
 */
function buildRules(lines: boolean): Rule[] {
  const S = lines ? '[^\\S\\n]' : '\\s'; // a blank within the text
  const ANY = lines ? '[^\\n]' : '[\\s\\S]'; // anything, up to the end of the line (lines) or text
  const nq = (q: string) => (lines ? `[^${q}\\n]` : `[^${q}]`);
  // A shell word: pieces unquoted, '…' or "…" run together; a quote cut off runs to the end.
  const VALUE = `(?:'${nq("'")}*'?|"${nq('"')}*"?|[^\\s'"]+)+`;
  // A tool's rule matches from the tool's first word to the end of the line (lines) or text, and
  // rewrites the options in that span with a pattern that looks behind one character only: one pass
  // over the text, where a look-behind back to the tool word at each option took time growing with
  // the square of a line's length (a 64 KiB log line of `-p -p …`: seconds).
  const tool = (option: string, replacement: string): Rule['replacement'] => {
    const inSpan = new RegExp(`(?<=\\s)${option}`, 'g');
    return (span: string) => span.replace(inSpan, replacement);
  };
  const span = (word: string) => new RegExp(`${anyCase(word)}${ANY}*`, 'g');
  return [
    // From each word's start (never from inside a word, which would make a long word's scan
    // quadratic): the first :// of a word, to its last @.
    { needles: ['://'], pattern: /(?<!\S)\S*?:\/\/\S*/g, replacement: urlCredentials },
    // The scan is for a keyword's first letter; the name's start need not be found, since any
    // keyword in a name makes it a secret's and only the part from the keyword on is rewritten.
    { needles: ['='], pattern: new RegExp(`((?:${SECRET_WORDS})\\w*)=${VALUE}`, 'gi'), replacement: `$1=${REDACTED}` },
    { needles: ['--'], pattern: new RegExp(`(--(?:password|passwd|passphrase|pass)(?:=|${S}+))${VALUE}`, 'gi'), replacement: `$1${REDACTED}` },
    { needles: ['-p'], pattern: span('mysql'), replacement: tool(`-p(?!\\s)${VALUE}`, `-p${REDACTED}`) },
    { needles: ['-p'], pattern: span('openssl'), replacement: tool(`(-pass(?:in|out)?${S}+pass:)${VALUE}`, `$1${REDACTED}`) },
    { needles: ['-u', '-U', '--'], pattern: span('curl'), replacement: tool(`(-[uU]${S}*|--(?:user|proxy-user)(?:=|${S}+))(?!\\s)${VALUE}`, `$1${REDACTED}`) },
    { needles: ['-p'], pattern: span('sshpass'), replacement: tool(`(-p${S}*)(?!\\s)${VALUE}`, `$1${REDACTED}`) },
  ];
}

const TEXT_RULES = buildRules(false);
const LINE_RULES = buildRules(true);

function apply(rules: readonly Rule[], text: string): string {
  // Which needles the text holds, looked for once: a rule only takes text away, so a needle absent
  // from the text is absent from what the rules before it made of it.
  const present = SECRET_NEEDLES.filter((n) => text.includes(n));
  if (present.length === 0) return text;
  let out = text;
  for (const r of rules) {
    if (!r.needles.some((n) => present.includes(n))) continue;
    r.pattern.lastIndex = 0;
    out = out.replace(r.pattern, r.replacement as string);
  }
  return out;
}

/** One line of text (output, a log line, an alert line) with its secrets replaced by ***. */
export function redactText(text: string): string {
  return apply(TEXT_RULES, text);
}

/** The rules, whatever the text holds: redactText without its fast test on the needles (exported for the property test that holds the rules to them). */
export function applyRules(text: string): string {
  let out = text;
  for (const r of TEXT_RULES) {
    r.pattern.lastIndex = 0;
    out = out.replace(r.pattern, r.replacement as string);
  }
  return out;
}

/**
 * Lines joined by newlines, redacted at once: the same as redactText on each line (for lines that
 * hold no newline), at a fraction of the cost, since each rule scans the block once.
 */
export function redactLines(block: string): string {
  return apply(LINE_RULES, block);
}

/** What the wrapper's copies of the output redact with: a line, or a block of complete lines. */
export interface Redactor {
  line(text: string): string;
  lines(block: string): string;
}
export const REDACTOR: Redactor = { line: redactText, lines: redactLines };

// Options whose value is the next word, and the tool word that must come before them (null: any).
const VALUE_OPTIONS: ReadonlyArray<{ option: RegExp; tool: RegExp | null }> = [
  { option: /^--(?:password|passwd|passphrase|pass)$/i, tool: null },
  { option: /^(?:-[uU]|--user|--proxy-user)$/, tool: /curl/i },
  { option: /^-p$/, tool: /sshpass/i },
];
// Options with their value attached, after their tool's word: the part kept, then ***.
const ATTACHED: ReadonlyArray<{ word: RegExp; tool: RegExp }> = [
  { word: /^(-p)./, tool: /mysql/i },
  { word: /^(-[uU])./, tool: /curl/i },
  { word: /^(--(?:user|proxy-user)=)./, tool: /curl/i },
  { word: /^(-p)./, tool: /sshpass/i },
];

/** A command's words, as recorded in a marker: the same rules, across words where a value follows its option. */
export function redactArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  const before: string[] = [];
  const seen = (tool: RegExp | null) => tool === null || before.some((w) => tool.test(w));
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    const prev = argv[i - 1];
    const attached = ATTACHED.find((a) => a.word.test(word) && seen(a.tool));
    if (prev !== undefined && VALUE_OPTIONS.some((v) => v.option.test(prev) && seen(v.tool))) out.push(REDACTED);
    else if (attached) out.push(`${word.match(attached.word)![1]}${REDACTED}`);
    else if (prev !== undefined && /^-pass(?:in|out)?$/.test(prev) && word.startsWith('pass:') && seen(/openssl/i)) out.push(`pass:${REDACTED}`);
    else out.push(redactText(word));
    before.push(word);
  }
  return out;
}

/**
 * Text cut at its end before it could be redacted whole: its last word goes too, since it may be
 * the first part of a secret (mysql://backup:hunt…) that no rule can recognise without the rest.
 */
export function withoutCutWord(text: string): string {
  const space = text.search(/\s\S*$/);
  return space === -1 ? '' : text.slice(0, space);
}

/** Each rule alone, in both forms, with its needles: for the property test that holds every rule to its needles. */
export function eachRule(): Array<{ needles: readonly string[]; text: (t: string) => string; lines: (t: string) => string }> {
  const one = (r: Rule) => (t: string) => t.replace(new RegExp(r.pattern.source, r.pattern.flags), r.replacement as string);
  return TEXT_RULES.map((r, i) => ({ needles: r.needles, text: one(r), lines: one(LINE_RULES[i]!) }));
}
