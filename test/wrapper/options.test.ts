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

describe("env-sync-run's Icinga API: the passive result, and downtimes only", () => {
  const api = ['--icinga-url', 'https://127.0.0.1:5665', '--icinga-user', 'env-sync', '--icinga-password-file', '/nonexistent/pw'];
  it('posts the passive result by default when the API is given; --no-icinga-passive keeps the API for --downtime-services only', async () => {
    const { defaultDeps } = await import('../../src/wrapper/run.js');
    const on = await parse([...api, '--job', 'j', '--state-dir', '/nonexistent', '--no-syslog-copy', '--', 'true']);
    const off = await parse([
      ...api,
      '--no-icinga-passive',
      '--downtime-services',
      'db-1!postgres',
      '--job',
      'j',
      '--state-dir',
      '/nonexistent',
      '--no-syslog-copy',
      '--',
      'true',
    ]);
    expect(on.icingaPassive).to.equal(true);
    expect(defaultDeps(on).poster).to.be.a('function');
    expect(off.icingaPassive).to.equal(false);
    expect(off.icinga, 'the API is still there for the downtimes').to.not.equal(null);
    expect(off.downtimeServices).to.have.length(1);
    expect(defaultDeps(off).poster).to.equal(null);
  });
});
