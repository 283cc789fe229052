// Job and part names become path components, so they are checked before any path is built.
// The syslog parser's tag limit is made from this one (src/syslog/jobLines.ts): a longer name
// would put its output lines under a tag the checks cannot read.
export const MAX_NAME_LENGTH = 128;
export const JOB_NAME_PATTERN = new RegExp(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,${MAX_NAME_LENGTH - 1}}$`);

export class NameError extends Error {}

function describe(value: string): string {
  const shown = JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (value.length === 0) return 'is empty';
  if (value.length > MAX_NAME_LENGTH) return `is ${value.length} characters long (at most ${MAX_NAME_LENGTH})`;
  if (value === '.' || value === '..' || value.includes('/')) return `${shown} would name a path`;
  return `${shown} has characters outside A-Z a-z 0-9 _ . - or does not start with a letter or digit`;
}

/** Returns the name, or throws a NameError that says what is wrong and how to fix it (givenAs: where the name goes). */
export function validateName(value: string, what: 'job' | 'part' = 'job', givenAs = `--${what} NAME`): string {
  if (JOB_NAME_PATTERN.test(value)) return value;
  throw new NameError(
    `invalid ${what} name: ${describe(value)}; use 1-${MAX_NAME_LENGTH} characters from A-Z a-z 0-9 _ . - starting with a letter or digit (${givenAs})`,
  );
}

export function isValidName(value: string): boolean {
  return JOB_NAME_PATTERN.test(value);
}

/**
 * The job name a wrapped govuk_env_sync.sh line implies: the basename of the file after `-f`,
 * without `.cfg`. Returns undefined when the command has no `-f FILE` (or `-fFILE`).
 */
export function defaultJobName(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    let file: string | undefined;
    if (arg === '-f' || arg === '--file') file = argv[i + 1];
    else if (arg.startsWith('-f') && arg.length > 2 && !arg.startsWith('--')) file = arg.slice(2);
    if (file !== undefined) {
      const base = file.slice(file.lastIndexOf('/') + 1);
      return base.endsWith('.cfg') ? base.slice(0, -4) : base;
    }
  }
  return undefined;
}
