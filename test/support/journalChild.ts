// Runs the journal reader or the event writer in a child process, so a test can run it as another
// user (setpriv) and see what that user's credentials give:
//   node build/test/support/journalChild.js read '<JournalQuery as JSON>'   → JSON of collectJournal's result
//   node build/test/support/journalChild.js event '<[RunEvent, JournalEventOptions] as JSON>' → JSON of writeRunEvent's result
import { collectJournal } from '../../src/journal/read.js';
import { writeRunEvent } from '../../src/journal/event.js';

const [mode, arg] = process.argv.slice(2);
if (mode === 'read') {
  const q = JSON.parse(arg!);
  for (const k of ['since', 'until']) if (typeof q[k] === 'string') q[k] = new Date(q[k]);
  process.stdout.write(JSON.stringify(await collectJournal(q)));
} else if (mode === 'event') {
  const [event, opts] = JSON.parse(arg!);
  process.stdout.write(JSON.stringify(await writeRunEvent(event, opts)));
} else {
  process.stderr.write('usage: journalChild.js read|event JSON\n');
  process.exitCode = 2;
}
