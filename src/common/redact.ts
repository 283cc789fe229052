// Secrets never reach a marker, a syslog copy, an alert or a passive result (docs/security.md,
// "Secrets"). What counts as one:
//   1. URL credentials, scheme://user:password@host → scheme://***@host: everything between :// and
//      the last @ of the word, so a password holding @ or / goes whole;
//   2. an assignment whose name says secret (PASSWORD, PASSWD, _PWD, SECRET, TOKEN, a name ending in
//      KEY), any case: PGPASSWORD=hunter2 → PGPASSWORD=***;
//   3. a password option: --password=x, --password x, --passwd …, --pass …;
//   4. after a word naming MySQL (mysql, mysqldump, mysqladmin …), an attached -pSECRET → -p***
//      (govuk_env_sync.sh's own `-p path` is a separate word and stays).
// The stdout/stderr pass-through that cron mails is never changed: only the copies that are kept.
export const REDACTED = '***';

// A quoted value may have lost its closing quote to a cut: it then runs to the end of the text.
const QUOTED_OR_WORD = `(?:'[^']*(?:'|$)|"[^"]*(?:"|$)|[^\\s'"]+)`;
const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/)([^\s"'<>]*)@/gi;
const SECRET_NAME = `[A-Za-z_][A-Za-z0-9_]*?(?:PASSWORD|PASSWD|_PWD|SECRET|TOKEN|KEY)[A-Za-z0-9_]*`;
const ASSIGNMENT = new RegExp(`\\b(${SECRET_NAME})=(${QUOTED_OR_WORD})`, 'gi');
const PASSWORD_OPTION = new RegExp(`(--(?:password|passwd|pass)(?:=|\\s+))(${QUOTED_OR_WORD})`, 'gi');
const MYSQL_WORD = /mysql/i;
const ATTACHED_P = /(\s)-p(?!\s)([^\s'"]+|'[^']*(?:'|$)|"[^"]*(?:"|$))/g;

function urlCredentials(_m: string, scheme: string, userinfo: string): string {
  // A path with an @ in it (https://host/a@b) is not credentials; user:password or user@ before any / is.
  return userinfo.includes(':') || !userinfo.includes('/') ? `${scheme}${REDACTED}@` : `${scheme}${userinfo}@`;
}

/**
 * A text holding none of these is left as it is by every rule above, and so needs no redacting:
 * the fast test the wrapper makes on blocks of output, and redactText on each line. Each rule's
 * pattern holds one literally, whatever the case of the rest: `://` (1), `=` (2), `--` (3), `-p`
 * (4). A property test (test/trust/secrets.test.ts) holds the rules to it.
 */
export const SECRET_NEEDLES: readonly string[] = ['://', '=', '--', '-p'];

/** One line of text (output, a log line, an alert line) with its secrets replaced by ***. */
export function redactText(text: string): string {
  return SECRET_NEEDLES.some((n) => text.includes(n)) ? applyRules(text) : text;
}

/** The rules, whatever the text holds: redactText without its fast test (exported for the property test that holds the rules to the needles). */
export function applyRules(text: string): string {
  let out = text.replace(URL_USERINFO, urlCredentials).replace(ASSIGNMENT, `$1=${REDACTED}`).replace(PASSWORD_OPTION, `$1${REDACTED}`);
  if (MYSQL_WORD.test(out)) {
    // Only -p words after the mysql word: a line's earlier `-p path` is the sync script's own.
    const at = out.search(MYSQL_WORD);
    out = out.slice(0, at) + out.slice(at).replace(ATTACHED_P, `$1-p${REDACTED}`);
  }
  return out;
}

/** A command's words, as recorded in a marker: the same rules, across words where a value follows its option. */
export function redactArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  let afterMysql = false;
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    const prev = argv[i - 1];
    if (prev !== undefined && /^--(?:password|passwd|pass)$/i.test(prev)) out.push(REDACTED);
    else if (afterMysql && /^-p.+/.test(word)) out.push(`-p${REDACTED}`);
    else out.push(redactText(word));
    if (MYSQL_WORD.test(word)) afterMysql = true;
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

