// clock(): `00:41` today, `yesterday 00:41`, else `Nov 22 00:41`, by the host's calendar days, across
// DST changes and in several zones. The reference is the plain definition (local midnights a day
// apart); clock() compares the days field by field, which a 500-job view asks 500 times.
import { expect } from 'chai';
import fc from 'fast-check';
import { clock } from '../../src/common/timeWords.js';

const midnight = (d: Date) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
function reference(at: Date, now: Date): string {
  const hm = `${String(at.getHours()).padStart(2, '0')}:${String(at.getMinutes()).padStart(2, '0')}`;
  const diff = Math.round((midnight(now) - midnight(at)) / 86_400_000);
  if (diff === 0) return hm;
  if (diff === 1) return `yesterday ${hm}`;
  return `${['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][at.getMonth()]} ${at.getDate()} ${hm}`;
}

describe('clock(): times of day as the host tells them', () => {
  const savedTz = process.env.TZ;
  afterEach(() => {
    if (savedTz === undefined) delete process.env.TZ;
    else process.env.TZ = savedTz;
  });

  for (const tz of ['UTC', 'Europe/London', 'America/New_York', 'Australia/Lord_Howe']) {
    it(`agrees with the definition in ${tz}, DST changes included`, () => {
      process.env.TZ = tz;
      // Around the 2026 changes of both hemispheres, and New Year.
      const spans = ['2026-03-29T00:00:00Z', '2026-10-25T00:00:00Z', '2026-04-05T00:00:00Z', '2026-12-31T12:00:00Z', '2026-03-08T07:00:00Z'];
      fc.assert(
        fc.property(
          fc.constantFrom(...spans),
          fc.integer({ min: -3 * 86_400, max: 3 * 86_400 }),
          fc.integer({ min: 0, max: 4 * 86_400 }),
          (base, nowOffset, back) => {
            const now = new Date(Date.parse(base) + nowOffset * 1000);
            const at = new Date(now.getTime() - back * 1000);
            expect(clock(at, now), `${at.toISOString()} at ${now.toISOString()}`).to.equal(reference(at, now));
          },
        ),
        { seed: 30, numRuns: 1500 },
      );
    });
  }

  it('says today, yesterday and a date as a person would', () => {
    process.env.TZ = 'Europe/London';
    const now = new Date('2026-03-30T08:00:00+01:00');
    expect(clock(new Date('2026-03-30T00:41:00+01:00'), now)).to.equal('00:41');
    expect(clock(new Date('2026-03-29T00:41:00Z'), now)).to.equal('yesterday 00:41');
    expect(clock(new Date('2026-03-28T23:59:00Z'), now)).to.equal('Mar 28 23:59');
  });
});
