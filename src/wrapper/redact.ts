// argv is stored in markers and logged: passwords in URLs (scheme://user:pass@host) must not be.
const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi;

export function redactArg(arg: string): string {
  return arg.replace(URL_CREDENTIALS, '$1***@');
}

export function redactArgv(argv: readonly string[]): string[] {
  return argv.map(redactArg);
}
