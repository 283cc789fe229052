# @summary
#   What a host needs once before its env_sync_checks::task resources: the package, the state
#   directory of the jobs' user, ENV_SYNC_JOB_USER in /etc/default/env-sync-checks, and the
#   monitoring user in the group that reads the log. Every parameter has a default, so
#   `class { 'env_sync_checks': }` (or the `include` each task does) is enough on a GOV.UK-shaped host.
#
# @example Hiera
#   env_sync_checks::log: 'journal'
#
# @param package_ensure
#   The package's `ensure` (`installed`, a version, `latest`).
# @param package_source
#   A local `env-sync-checks_<version>_all.deb` for apt to install (hosts without an apt repository
#   that carries the package); undef: from the host's apt sources.
# @param job_user
#   The user the sync jobs run as from cron (govuk_env_sync::user): it owns the state directory,
#   and the checks trust markers it or root wrote.
# @param job_group
#   The state directory's group.
# @param state_dir
#   Where env-sync-run writes its markers and the checks read them. Another directory than the
#   default is written into every task's cron line and NRPE command.
# @param log
#   The log the checks read the jobs' lines from: `syslog` (/var/log/syslog, group adm),
#   `journal` (the systemd journal, group systemd-journal) or `auto` (the syslog file when it
#   exists, else the journal; group adm, which Debian's journal also lets read).
# @param monitoring_user
#   The user NRPE runs the checks as; put in the log's group when it exists (a host without NRPE
#   yet is left alone, and the next run after NRPE is installed does it).
# @param nrpe_dir
#   The directory NRPE includes (`include_dir=` in nrpe.cfg): each task's command file goes there.
# @param nrpe_service
#   NRPE's service, restarted (never reloaded: a reload keeps the daemon's old group list) when the
#   monitoring user joins a group or a task's command file changes; undef: restarted by no one here.
# @param env_sync
#   The `env-sync` executable (the Debian package's path; /usr/local/bin/env-sync for a checkout).
# @param wrapper
#   The `env-sync-run` executable put into each task's cron line.
class env_sync_checks (
  String $package_ensure = 'installed',
  Optional[String] $package_source = undef,
  String $job_user = 'govuk-backup',
  String $job_group = $job_user,
  Stdlib::Absolutepath $state_dir = '/var/lib/env-sync',
  Enum['auto', 'syslog', 'journal'] $log = 'auto',
  String $monitoring_user = 'nagios',
  Stdlib::Absolutepath $nrpe_dir = '/etc/nagios/nrpe.d',
  Optional[String] $nrpe_service = 'nagios-nrpe-server',
  Stdlib::Absolutepath $env_sync = '/usr/bin/env-sync',
  Stdlib::Absolutepath $wrapper = '/usr/bin/env-sync-run',
) {
  package { 'env-sync-checks':
    ensure => $package_ensure,
    source => $package_source,
  }

  # 0755: the checks refuse markers in a directory anyone but the jobs' user (or root) could write.
  file { $state_dir:
    ensure  => directory,
    owner   => $job_user,
    group   => $job_group,
    mode    => '0755',
    require => Package['env-sync-checks'],
  }

  # One line of the package's conffile (root's, 0644: the only way the executables believe it),
  # so that dpkg still owns the rest of the file.
  file_line { 'env_sync_checks: ENV_SYNC_JOB_USER':
    path    => '/etc/default/env-sync-checks',
    line    => "ENV_SYNC_JOB_USER=${job_user}",
    match   => '^\s*(export\s+)?ENV_SYNC_JOB_USER=',
    require => Package['env-sync-checks'],
  }

  $restart = $nrpe_service ? {
    undef   => [],
    default => [Exec['env_sync_checks: restart NRPE']],
  }

  $log_group = $log ? {
    'journal' => 'systemd-journal',
    default   => 'adm',
  }

  # An exec, not a user resource: an estate's own user { 'nagios': } stays the only one.
  exec { "env_sync_checks: ${monitoring_user} in group ${log_group}":
    command  => shellquote('usermod', '--append', '--groups', $log_group, $monitoring_user),
    onlyif   => shellquote('getent', 'passwd', $monitoring_user),
    unless   => "id -nG ${shellquote($monitoring_user)} | tr ' ' '\\n' | grep -qx ${shellquote($log_group)}",
    path     => ['/usr/sbin', '/usr/bin', '/sbin', '/bin'],
    provider => shell,
    notify   => $restart,
  }

  if $nrpe_service {
    # An exec, not a service resource: an estate's Service['nagios-nrpe-server'] stays the only one,
    # and this is a restart whatever `restart =>` that resource was given.
    exec { 'env_sync_checks: restart NRPE':
      command     => shellquote('service', $nrpe_service, 'restart'),
      path        => ['/usr/sbin', '/usr/bin', '/sbin', '/bin'],
      refreshonly => true,
    }
  }
}
