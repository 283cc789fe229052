// Where env-sync-run --pushgateway puts a job's facts (the grouping key in the URL path, as the
// Pushgateway documents it) and which URLs and waits the option table takes. In process.
import { expect } from 'chai';
import { convert, OptionError } from '../../src/common/options.js';
import { groupingSegment, groupPath, pushUrl } from '../../src/metrics/pushgateway.js';

describe('metrics: the Pushgateway group of a job', () => {
  it('plain label values go as they are; a slash, a space, a dot path, an empty value, other letters go in the @base64 form (URL-safe alphabet)', () => {
    expect(groupingSegment('instance', 'db1.example-2_a')).to.equal('instance/db1.example-2_a');
    expect(groupingSegment('instance', 'pod x/1')).to.equal(`instance@base64/${Buffer.from('pod x/1').toString('base64url')}`);
    expect(groupingSegment('instance', 'a/b?')).to.equal('instance@base64/YS9iPw');
    expect(groupingSegment('instance', '..')).to.equal('instance@base64/Li4');
    expect(groupingSegment('instance', '.')).to.equal('instance@base64/Lg');
    expect(groupingSegment('instance', '')).to.equal('instance@base64/=');
    expect(groupingSegment('instance', 'Προμηθεύς')).to.equal('instance@base64/zqDPgc6_zrzOt864zrXPjc-C');
  });

  it('the group is job env_sync, then instance, then job_name', () => {
    expect(groupPath('db1', 'pull_x')).to.equal('/metrics/job/env_sync/instance/db1/job_name/pull_x');
  });

  it("the base URL's path (a proxy's prefix) is kept, with or without its trailing slash", () => {
    expect(pushUrl('http://pg:9091', 'db1', 'pull_x').href).to.equal('http://pg:9091/metrics/job/env_sync/instance/db1/job_name/pull_x');
    expect(pushUrl('https://proxy/pushgateway/', 'db1', 'pull_x').href).to.equal('https://proxy/pushgateway/metrics/job/env_sync/instance/db1/job_name/pull_x');
  });
});

describe('metrics: the --pushgateway options', () => {
  const values = (raw: Record<string, unknown>) => convert('env-sync-run', raw, {});
  const refused = (raw: Record<string, unknown>) => {
    try {
      values(raw);
    } catch (err) {
      if (err instanceof OptionError) return err.message;
      throw err;
    }
    return null;
  };

  it('takes an http or https base URL, from the option or ENV_SYNC_PUSHGATEWAY; waits 5s by default', () => {
    expect(values({ pushgateway: 'http://pg:9091' }).pushgateway).to.equal('http://pg:9091');
    expect(convert('env-sync-run', {}, { ENV_SYNC_PUSHGATEWAY: 'https://pg/' }).pushgateway).to.equal('https://pg/');
    expect(values({}).pushgateway).to.equal(undefined);
    expect(values({}).pushgatewayTimeout).to.equal(5);
    expect(values({ 'pushgateway-timeout': '2' }).pushgatewayTimeout).to.equal(2);
  });

  it('refuses what is not a base URL, a URL with a password, and a wait of 0 or over a minute', () => {
    expect(refused({ pushgateway: 'pg:9091' })).to.match(/--pushgateway: "pg:9091" must start http:\/\/ or https:\/\//);
    expect(refused({ pushgateway: 'not a url' })).to.match(/is not a URL/);
    expect(refused({ pushgateway: 'http://u:secret@pg:9091' })).to.match(/without a user or password/);
    expect(refused({ pushgateway: 'http://pg:9091/?x=1' })).to.match(/without \?query/);
    expect(refused({ 'pushgateway-timeout': '0' })).to.match(/must be more than 0/);
    expect(refused({ 'pushgateway-timeout': '2m' })).to.match(/at most 60s/);
  });
});
