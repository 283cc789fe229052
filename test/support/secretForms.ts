// Secrets in every form the redaction rules name (src/common/redact.ts), generated, and how to
// find any part of one in a text: shared by the leak properties (test/trust/secrets.test.ts) and the
// contract fuzz (test/fuzz/contract.test.ts).
import fc from 'fast-check';

// Every secret starts with Zq, which nothing else in the generated text holds, and goes on in
// characters the filler around it never has (no lower case), so any start of it, or an end of six
// characters, found anywhere is a leak.
export const SECRET = fc.stringMatching(/^[A-Z0-9!#%+,.:;?_~@/-]{6,20}$/).map((s) => `Zq${s}`);
// A word in any case: the bits say which letters are upper case (the secret's own are, always).
export const mix = (word: string, bits: boolean[]) =>
  [...word].map((c, i) => (bits[i % Math.max(1, bits.length)] ? c.toUpperCase() : c.toLowerCase())).join('');
export const FORMS: Array<(s: string, m: (w: string) => string) => string> = [
  (s, m) => `${m('PGPASSWORD')}=${s} psql -h db`,
  (s, m) => `export ${m('MYSQL_PWD')}=${s}`,
  (s, m) => `${m('AWS_SECRET_ACCESS_KEY')}=${s} aws s3 cp x y`,
  (s, m) => `${m('api_token')}=${s}`,
  (s, m) => `mongodump --${m('password')}=${s} --db x`,
  (s, m) => `mongodump --${m('password')} ${s} --db x`,
  (s) => `mysqldump -u backup -p${s} whitehall`,
  (s) => `restore from mysql://backup:${s}@db.example:3306/whitehall`,
  (s) => `postgres://u:${s}@db/x?sslmode=require`,
  (s, m) => `${m('PGPASSWORD')}='${s} with space'`,
  // Forms with none of '=', '://', 'assw' or a lower-case 'mysql' in them: the option's short name,
  // its name in any case, the MySQL word in capitals.
  (s, m) => `pg_dump --${m('pass')} ${s} whitehall`,
  (s) => `dump --PaSsWoRd ${s}`,
  (s, m) => `${m('MYSQL')} -u backup -p${s} whitehall`,
  // Secrets under a bare name (issue 25, finding 4), in any case: libpq's conninfo, a URL query.
  (s, m) => `${m('password')}=${s}`,
  (s, m) => `${m('token')}=${s} next`,
  (s, m) => `${m('secret')}="${s}"`,
  (s, m) => `${m('key')}=${s}`,
  (s, m) => `${m('passphrase')}=${s}`,
  (s, m) => `psql "host=db port=5432 ${m('password')}=${s} dbname=x"`,
  (s, m) => `GET https://api.example/v1/dump?${m('token')}=${s}&page=2`,
  (s, m) => `${m('PGPASSWORD')}=a'b c'${s}`,
  // A URL password holding quotes or <, up to the last @.
  (s) => `mysql://backup:it's"<${s}@db/x`,
  (s) => `'https://u:<${s}'"@h/x'`,
  // The CLI forms, each after its tool's word (any case), the option as the tool spells it.
  (s, m) => `${m('gpg')} --batch --${m('passphrase')} ${s} -d f.gpg`,
  (s, m) => `${m('gpg')} --${m('passphrase')}=${s}`,
  (s, m) => `${m('openssl')} enc -d -aes256 -pass pass:${s} -in x`,
  (s, m) => `${m('openssl')} rsa -passin pass:${s}`,
  (s, m) => `${m('curl')} -sS -u backup:${s} https://h/x`,
  (s, m) => `${m('curl')} -ubackup:${s} h`,
  (s, m) => `${m('curl')} --user 'backup:${s}' h`,
  (s, m) => `${m('curl')} -U proxy:${s} h`,
  (s, m) => `${m('sshpass')} -p ${s} ssh h true`,
  (s, m) => `${m('sshpass')} -p${s} rsync a h:b`,
];
export const FILLER = fc.stringMatching(/^[a-y ]{0,60}$/);

/** A part of the secret found in the text: any start of it from Zq and two more, or an end of six. */
export function leaks(text: string, secret: string): string | null {
  for (let n = 4; n <= secret.length; n++) if (text.includes(secret.slice(0, n))) return secret.slice(0, n);
  for (let n = 6; n <= secret.length; n++) if (text.includes(secret.slice(-n))) return secret.slice(-n);
  return null;
}

export const BITS = fc.array(fc.boolean(), { minLength: 1, maxLength: 12 });
export const line = fc
  .tuple(FILLER, fc.integer({ min: 0, max: FORMS.length - 1 }), SECRET, FILLER, BITS)
  .map(([a, form, secret, b, bits]) => ({ text: `${a}${FORMS[form]!(secret, (w) => mix(w, bits))}${b}`, secret }));
