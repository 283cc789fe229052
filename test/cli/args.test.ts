// env-sync's command line, in process: the words each command takes.
import { expect } from 'chai';
import { parseEnvSync } from '../../src/cli/args.js';

describe('env-sync running: its words', () => {
  it('takes any number of jobs, none too', async () => {
    expect(await parseEnvSync(['running'], {}))
      .to.include({ command: 'running' })
      .and.have.deep.property('positional', []);
    expect(await parseEnvSync(['running', 'pull_x', 'push_y', '-q'], {})).to.deep.include({ command: 'running', positional: ['pull_x', 'push_y'] });
    const quiet = await parseEnvSync(['running', '--quiet'], {});
    expect('values' in quiet && quiet.command === 'running' && quiet.values.quiet).to.equal(true);
  });
});
