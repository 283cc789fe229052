// Names and ids from /etc/passwd, read once per process: a user made after that read (useradd, as an
// administrator does while the wrapper runs for hours) is found, not taken for a stranger's bare id.
// Needs root: it makes and removes a user of its own.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { nameOf, userByName } from '../../src/common/users.js';
import { ensureUser } from '../support/users.js';

const LATE = 'env-sync-test-late';

describe('users (src/common/users.ts): a user made after /etc/passwd was read', () => {
  before(function () {
    if (process.getuid?.() !== 0) throw new Error('this test makes a user: run it as root (npm test)');
    if (spawnSync('id', [LATE]).status === 0) throw new Error(`user ${LATE} exists already (left by an earlier run?): userdel ${LATE}`);
  });
  let remove: () => void = () => {};
  after(() => remove());

  it('is found by name and by id', () => {
    expect(userByName('root')?.uid).to.equal(0);
    expect(userByName(LATE)).to.equal(null);
    const made = ensureUser(LATE);
    remove = made.remove;
    expect(userByName(LATE)).to.deep.include({ name: LATE, uid: made.uid, gid: made.gid });
    expect(nameOf(made.uid)).to.equal(LATE);
  });
});
