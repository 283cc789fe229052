import { EXIT_USAGE, parseOptions, UsageError } from '../wrapper/options.js';
import { runWrapped } from '../wrapper/run.js';
import { writeAll } from '../output/writeAll.js';
import { visibleLines } from '../output/sanitize.js';

async function main(): Promise<number> {
  let opts: Awaited<ReturnType<typeof parseOptions>>;
  try {
    opts = await parseOptions(process.argv.slice(2));
  } catch (err) {
    const msg = err instanceof UsageError ? err.message : `unexpected error: ${(err as Error)?.message ?? String(err)}`;
    // The words may repeat an argument as given: its controls are shown, never sent to the terminal.
    process.stderr.write(`env-sync-run: ${visibleLines(msg)}\nTry 'env-sync-run --help'.\n`);
    return EXIT_USAGE;
  }
  if ('text' in opts) {
    writeAll(1, opts.text);
    return 0;
  }
  const { exitCode } = await runWrapped(opts);
  return exitCode;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    // Never a stack trace: one line that says what failed.
    process.stderr.write(`env-sync-run: internal error: ${visibleLines((err as Error)?.message ?? String(err))}\n`);
    process.exitCode = EXIT_USAGE;
  },
);
