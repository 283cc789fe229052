import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/icingaFixtures.js';
import { makeTempDir } from '../support/tmp.js';

const NAGIOS = '/usr/sbin/nagios4';
const ICINGA1 = join(REPO_ROOT, 'icinga-conf', 'icinga1');

// What a stock Icinga 1 / Nagios installation already has (generic-service, 24x7, a contact) and
// the host the sample services name.
const BASE = `
define timeperiod {
    timeperiod_name 24x7
    alias 24x7
    sunday 00:00-24:00
    monday 00:00-24:00
    tuesday 00:00-24:00
    wednesday 00:00-24:00
    thursday 00:00-24:00
    friday 00:00-24:00
    saturday 00:00-24:00
}
define command {
    command_name notify-none
    command_line /bin/true
}
define contact {
    contact_name admin
    service_notification_period 24x7
    host_notification_period 24x7
    service_notification_options n
    host_notification_options n
    service_notification_commands notify-none
    host_notification_commands notify-none
}
define host {
    host_name db-admin-1
    address 127.0.0.1
    check_command notify-none
    max_check_attempts 1
    check_period 24x7
    contacts admin
    notification_period 24x7
}
define service {
    name generic-service
    check_period 24x7
    max_check_attempts 3
    check_interval 5
    retry_interval 1
    contacts admin
    notification_period 24x7
    notification_interval 0
    register 0
}
`;

describe('Icinga 1 / Nagios objects (nagios4 -v)', function () {
  this.timeout(60_000);
  let tmp: ReturnType<typeof makeTempDir>;
  before(function () {
    tmp = makeTempDir('env-sync-nagios-');
  });
  after(function () {
    tmp.cleanup();
  });

  it('accepts icinga-conf/icinga1/*.cfg with a stock generic-service', function () {
    if (!existsSync(NAGIOS)) throw new Error(`${NAGIOS} is missing: install the Debian package nagios4-core (bash scripts/test-deps.sh)`);
    const spool = join(tmp.dir, 'spool');
    mkdirSync(spool);
    chmodSync(spool, 0o777); // nagios4 checks that its user (nagios) can write check results there
    writeFileSync(join(tmp.dir, 'base.cfg'), BASE);
    writeFileSync(join(tmp.dir, 'resource.cfg'), '$USER1$=/usr/lib/nagios/plugins\n');
    const main = join(tmp.dir, 'nagios.cfg');
    writeFileSync(
      main,
      [
        `log_file=${join(spool, 'nagios.log')}`,
        `cfg_file=${join(tmp.dir, 'base.cfg')}`,
        `cfg_file=${join(ICINGA1, 'commands.cfg')}`,
        `cfg_file=${join(ICINGA1, 'services.cfg')}`,
        `resource_file=${join(tmp.dir, 'resource.cfg')}`,
        `status_file=${join(spool, 'status.dat')}`,
        `temp_file=${join(spool, 'nagios.tmp')}`,
        `temp_path=${spool}`,
        `lock_file=${join(spool, 'nagios.lock')}`,
        `check_result_path=${spool}`,
        'nagios_user=nagios',
        'nagios_group=nagios',
        'illegal_macro_output_chars=`~$&|"<>',
        '',
      ].join('\n'),
    );
    const r = spawnSync(NAGIOS, ['-v', main], { encoding: 'utf8' });
    const out = `${r.stdout}${r.stderr}`;
    expect(r.status, out).to.equal(0);
    expect(out).to.match(/Total Errors:\s+0/);
    expect(out).to.match(/Total Warnings:\s+0/);
    expect(out).to.match(/Checked 4 services\./);
    // commands.cfg defines five commands; base.cfg one.
    expect(out).to.match(/Checked 6 commands\./);
  });
});
