import { expect } from 'chai';
import fc from 'fast-check';
import { eventField, formatEvent, parseEvent, type EventName } from '../../src/common/wrapperEvent.js';

// The wrapper writes its event= lines with formatEvent and the checks read them with parseEvent: what
// one writes, the other reads back, field for field, whatever a value holds.
const NAMES: EventName[] = ['start', 'finish', 'skip', 'timeout', 'spawn-error', 'interrupted', 'inventory', 'recorded-late', 'warning', 'dropped', 'retry'];

describe('the wrapper event codec', () => {
  it('writes the lines as they always were (the syslog files and the journal hold them)', () => {
    expect(
      formatEvent('start', 'pull_x', [
        ['part', null],
        ['run', 'r1'],
        ['pid', 4101],
        ['argv', '/usr/local/bin/govuk_env_sync.sh -f /etc/x.cfg'],
      ]),
    ).to.equal('event=start job=pull_x run=r1 pid=4101 argv="/usr/local/bin/govuk_env_sync.sh -f /etc/x.cfg"');
    expect(
      formatEvent('start', 'j', [
        ['run', 'r'],
        ['pid', 1],
        ['argv', 'true'],
      ]),
    ).to.equal('event=start job=j run=r pid=1 argv="true"');
    expect(
      formatEvent('finish', 'pull_x', [
        ['part', 'mysql'],
        ['run', 'r1'],
        ['outcome', 'failure'],
        ['exit', '3'],
        ['signal', null],
        ['duration', '12.5s'],
      ]),
    ).to.equal('event=finish job=pull_x part=mysql run=r1 outcome=failure exit=3 duration=12.5s');
    expect(
      formatEvent('retry', 'pull_x', [
        ['run', 'r1'],
        ['attempt', 2],
        ['of', 3],
        ['after', 'failure'],
        ['exit', 1],
        ['signal', null],
        ['delay', '60s'],
      ]),
    ).to.equal('event=retry job=pull_x run=r1 attempt=2 of=3 after=failure exit=1 delay=60s');
    expect(formatEvent('interrupted', 'j', [['run', 'r']], 'host rebooted during the run (boot id changed); found by run r2')).to.equal(
      'event=interrupted job=j run=r host rebooted during the run (boot id changed); found by run r2',
    );
  });

  it('reads back what it wrote (property)', () => {
    const key = fc.stringMatching(/^[a-z][a-z-]{0,8}$/);
    const val = fc.string({ maxLength: 30 }).filter((v) => !/[\n\r]/.test(v));
    fc.assert(
      fc.property(
        fc.constantFrom(...NAMES),
        fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,20}$/),
        fc.array(fc.tuple(key, val), { maxLength: 6 }),
        fc.option(fc.stringMatching(/^[A-Z(][^\n]{0,30}$/)),
        (event, job, fields, text) => {
          const parsed = parseEvent(formatEvent(event, job, fields, text));
          expect(parsed).to.deep.equal({ event, job, fields, text: text === '' ? null : text });
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('reads a line a reader meets: a field, a quoted argv, the words after the fields', () => {
    const e = parseEvent('event=start job=pull_x run=r1 pid=4101 argv="sh -c \\"exit 3\\""')!;
    expect(eventField(e, 'argv')).to.equal('sh -c "exit 3"');
    expect(eventField(e, 'pid')).to.equal('4101');
    expect(parseEvent('event=dropped job=j lines=4 (syslog could not keep up)')).to.deep.equal({
      event: 'dropped',
      job: 'j',
      fields: [['lines', '4']],
      text: '(syslog could not keep up)',
    });
    expect(parseEvent('Starting "/usr/local/bin/govuk_env_sync.sh -f x.cfg"')).to.equal(null);
  });
});
