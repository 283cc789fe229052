// env-sync-run's on/off switch for the syslog copy is --syslog-copy: `--syslog` is a file in every
// other executable, and one name has one meaning (issue 26).
import { expect } from 'chai';
import { parseOptions, UsageError, oldSyslogSwitch, type WrapperOptions } from '../../src/wrapper/options.js';

const parse = async (args: string[]) => (await parseOptions(args, {})) as WrapperOptions;

describe("env-sync-run's syslog switch", () => {
  it('copies to syslog by default; --no-syslog-copy and the older --no-syslog turn it off', async () => {
    expect((await parse(['--job', 'j', '--', 'true'])).syslogCopy).to.equal(true);
    expect((await parse(['--job', 'j', '--no-syslog-copy', '--', 'true'])).syslogCopy).to.equal(false);
    expect((await parse(['--job', 'j', '--no-syslog', '--', 'true'])).syslogCopy).to.equal(false);
    expect((await parse(['--no-syslog', '--job', 'j', 'true'])).syslogCopy).to.equal(false);
  });
  it('refuses a bare --syslog, naming the switch and the file option', async () => {
    for (const args of [
      ['--syslog', '--job', 'j', '--', 'true'],
      ['--job', 'j', '--syslog', '--', 'true'],
      ['--syslog=/var/log/syslog', '--', 'true'],
    ]) {
      const err = await parseOptions(args, {}).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, args.join(' ')).to.be.instanceOf(UsageError);
      expect((err as Error).message)
        .to.include('--no-syslog-copy')
        .and.include('--syslog-file');
    }
  });
  it("leaves COMMAND's words and options' values alone", () => {
    expect(oldSyslogSwitch(['--job', 'j', '--', 'tool', '--syslog', '--no-syslog'])).to.deep.equal(['--job', 'j', '--', 'tool', '--syslog', '--no-syslog']);
    expect(oldSyslogSwitch(['--job', 'j', 'tool', '--syslog'])).to.deep.equal(['--job', 'j', 'tool', '--syslog']);
    // A value that looks like the switch is the option's value (a job's name cannot be one, but a file may).
    expect(oldSyslogSwitch(['--syslog-file', '--no-syslog', '--', 'true'])).to.deep.equal(['--syslog-file', '--no-syslog', '--', 'true']);
    expect(oldSyslogSwitch(['--timeout', '6h', '--no-syslog', 'true'])).to.deep.equal(['--timeout', '6h', '--no-syslog-copy', 'true']);
  });
});
