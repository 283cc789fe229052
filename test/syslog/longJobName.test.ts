import { expect } from 'chai';
import { MAX_NAME_LENGTH, validateName } from '../../src/common/jobName.js';
import { MAX_TAG_LENGTH, outputTag } from '../../src/syslog/jobLines.js';
import { parseLine } from '../../src/syslog/parseLine.js';
import { startRsyslog, type Rsyslog } from '../support/rsyslog.js';
import { plugin, run } from '../support/proc.js';
import { makeTempDir, stateDirIn } from '../support/tmp.js';

// The longest job name the wrapper accepts makes the longest output tag (`env-sync/<job>`); the line
// parser must take that tag whole, or the job's own output lines never reach the check's evidence.
describe('a job name of the longest length allowed', function () {
  this.timeout(60_000);
  const longest = `p${'x'.repeat(MAX_NAME_LENGTH - 2)}9`;

  it('is a valid name, and one character more is not', () => {
    expect(validateName(longest)).to.equal(longest);
    expect(() => validateName(`${longest}x`)).to.throw(`is ${MAX_NAME_LENGTH + 1} characters long (at most ${MAX_NAME_LENGTH})`);
  });

  it('has its output tag parsed whole, with its pid, as the parser bound says', () => {
    expect(outputTag(longest)).to.have.length(MAX_TAG_LENGTH);
    const e = parseLine(`2026-11-24T00:18:01.123456+00:00 db1 ${outputTag(longest)}[4100]: pg_restore: error: x`, 'syslog', new Date());
    expect(e).to.include({ tag: outputTag(longest), pid: 4100, message: 'pg_restore: error: x' });
  });

  for (const format of ['rfc3339', 'traditional'] as const) {
    describe(`through real rsyslog (${format} timestamps)`, () => {
      let rs: Rsyslog;
      let cleanup: () => void;
      let dir: string;
      before(async () => {
        rs = await startRsyslog({ format });
        ({ dir, cleanup } = makeTempDir());
      });
      after(async () => {
        await rs?.stop();
        cleanup?.();
      });

      it("brings the job's own error lines into check_env_sync's evidence", async () => {
        const env = { ...process.env, ENV_SYNC_SYSLOG_SOCKET: rs.socket, ENV_SYNC_STATE_DIR: stateDirIn(dir), ENV_SYNC_SYSLOG: rs.file };
        const wrapped = await run(
          plugin('env-sync-run'),
          ['--job', longest, '--', 'sh', '-c', 'echo "pg_restore: error: relation events does not exist" >&2; exit 1'],
          { env },
        );
        expect(wrapped.code, wrapped.stderr).to.equal(1);
        await rs.waitFor(new RegExp(`event=finish job=${longest} `));
        const r = await run(plugin('check_env_sync'), ['-j', longest, '--max-output', '8192'], { env });
        expect(r.code, r.stdout).to.equal(2);
        expect(r.stdout).to.match(
          new RegExp(`^${rs.file}: \\d\\d:\\d\\d:\\d\\d ${outputTag(longest)}: pg_restore: error: relation events does not exist$`, 'm'),
        );
      });
    });
  }
});
