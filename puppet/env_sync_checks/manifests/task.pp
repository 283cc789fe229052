# @summary
#   A drop-in for govuk_env_sync::task: the same title and parameters give the same cfg and the
#   same cron line with env-sync-run in front of the sync, plus the job's NRPE check.
#
#   Like govuk_env_sync::task it requires govuk_env_sync::aws_auth, ::log and ::sync_script, and
#   takes the job's user and configuration directory from class govuk_env_sync. The cron resource
#   keeps govuk_env_sync::task's title ($name), so the crontab's `# Puppet Name:` line is changed in
#   place: a second line would run the job twice. See docs/puppet.md.
#
# @example The one-line change
#   - govuk_env_sync::task { 'pull_x':
#   + env_sync_checks::task { 'pull_x':
#       hour => 0, minute => 18, action => 'pull', dbms => 'postgresql', ...
#
# @param hour
#   The hour when to run the cron job (crontab format, globs ok).
# @param minute
#   The minute when to run the cron job (crontab format, globs ok).
# @param action
#   'push' or 'pull' with respect to the storage backend.
# @param dbms
#   The database kind (mongo, documentdb, elasticsearch, postgresql, mysql, files).
# @param storagebackend
#   The storage backend (s3, elasticsearch).
# @param temppath
#   Where to write dumps and compress/decompress data (a directory made for the job's user).
# @param database
#   Name of the database to dump/push/pull/restore.
# @param url
#   Name of the bucket/server used as storage backend.
# @param path
#   Name of the prefix/path used in the storage backend.
# @param database_hostname
#   The database host to connect to (PostgreSQL), optional.
# @param ensure
#   'present'; 'absent' removes the cfg, the cron line and the check; 'disabled' keeps the cfg, as
#   govuk_env_sync::task does, and removes the cron line and the check.
# @param transformation_sql_filename
#   Optional SQL script run in the restore transaction (govuk_env_sync's transformation_sql/).
# @param pre_dump_transformation_sql_filename
#   Optional SQL script run before dumping a MySQL database.
# @param excluded_tables
#   Optional comma-separated tables left out of a MySQL push.
# @param max_age
#   The check is CRITICAL when the last success is older than this (the seed's passive service
#   went stale after 28 hours).
# @param grace
#   How late a scheduled run may start before the check says it was missed.
# @param sync_timeout
#   env-sync-run's --timeout (e.g. '6h'): the sync is stopped and recorded as timed out after it.
#   undef: no limit, as today.
# @param monitoring
#   'nrpe': the job's NRPE command in env_sync_checks::nrpe_dir; 'none': no check on this host.
# @param runbook_url
#   The runbook page the check's output links to, as the seed's passive service's notes_url did.
define env_sync_checks::task (
  $hour,
  $minute,
  $action,
  $dbms,
  $storagebackend,
  $temppath,
  $database,
  $url,
  $path,
  $database_hostname = undef,
  $ensure = 'present',
  $transformation_sql_filename = '',
  $pre_dump_transformation_sql_filename = '',
  $excluded_tables = '',
  String[1] $max_age = '28h',
  String[1] $grace = '1h',
  Optional[String[1]] $sync_timeout = undef,
  Enum['nrpe', 'none'] $monitoring = 'nrpe',
  Optional[Stdlib::HTTPUrl] $runbook_url = undef,
) {
  assert_type(Enum['present', 'absent', 'disabled'], $ensure)

  include env_sync_checks
  require govuk_env_sync::aws_auth
  require govuk_env_sync::log
  require govuk_env_sync::sync_script

  if $govuk_env_sync::user != $env_sync_checks::job_user {
    $user = $govuk_env_sync::user
    fail(join([
      "env_sync_checks::task ${title}: the jobs run as ${user} (govuk_env_sync::user) but env_sync_checks::job_user is",
      "${env_sync_checks::job_user}: set env_sync_checks::job_user to ${user}, or the wrapper cannot write the state directory",
    ], ' '))
  }

  $general_ensure = $ensure ? {
    'disabled' => 'absent',
    default    => $ensure,
  }

  $config_ensure = $ensure ? {
    'disabled' => 'present',
    default    => $ensure,
  }

  $conf_dir = $govuk_env_sync::conf_dir
  $cfg = "${conf_dir}/${title}.cfg"

  file { $cfg:
    ensure  => $config_ensure,
    mode    => '0644',
    owner   => $govuk_env_sync::user,
    group   => $govuk_env_sync::user,
    content => epp('env_sync_checks/govuk_env_sync_job.conf.epp', {
      action                               => $action,
      dbms                                 => $dbms,
      storagebackend                       => $storagebackend,
      temppath                             => $temppath,
      database                             => $database,
      database_hostname                    => $database_hostname,
      url                                  => $url,
      path                                 => $path,
      conf_dir                             => $conf_dir,
      transformation_sql_filename          => $transformation_sql_filename,
      pre_dump_transformation_sql_filename => $pre_dump_transformation_sql_filename,
      excluded_tables                      => $excluded_tables,
    }),
  }

  ensure_resource('file', $temppath, {
    ensure => 'directory',
    mode   => '0775',
    owner  => $govuk_env_sync::user,
    group  => $govuk_env_sync::user,
  })

  # What the wrapper and the check are told beyond their defaults.
  $state_dir_args = $env_sync_checks::state_dir ? {
    '/var/lib/env-sync' => [],
    default             => ['--state-dir', $env_sync_checks::state_dir],
  }
  $timeout_args = $sync_timeout ? {
    undef   => [],
    default => ['--timeout', $sync_timeout],
  }

  # govuk_env_sync::task's command with env-sync-run in front of the sync: inside with_reboot_lock
  # and envdir, so the lock and the environment are as before and --timeout covers the sync alone.
  $synccommand = shellquote([
    '/usr/bin/ionice','-c','2','-n','6',
    '/usr/local/bin/with_reboot_lock', "env-sync_${title}",
    '/usr/bin/envdir',"${conf_dir}/env.d",
    $env_sync_checks::wrapper, '--job', $title, $state_dir_args, $timeout_args, '--',
    '/usr/local/bin/govuk_env_sync.sh','-f',$cfg,
  ])

  cron { $name:
    ensure  => $general_ensure,
    command => $synccommand,
    user    => $govuk_env_sync::user,
    hour    => $hour,
    minute  => $minute,
    require => [File[$cfg], File[$env_sync_checks::state_dir]],
  }

  # monitoring
  $check_ensure = $monitoring ? {
    'none'  => 'absent',
    default => $general_ensure,
  }
  $nrpe_file = "${env_sync_checks::nrpe_dir}/env_sync_${title}.cfg"
  $restart = $env_sync_checks::nrpe_service ? {
    undef   => [],
    default => [Exec['env_sync_checks: restart NRPE']],
  }

  if $check_ensure == 'present' {
    # The command line comes from `env-sync config nrpe`, the one generator of check lines, run on
    # the host (an exec, not generate(), which would run on the Puppet server); rewritten only when
    # what it prints differs from the file.
    $cron_minute = [$minute].flatten.join(',')
    $cron_hour = [$hour].flatten.join(',')
    $schedule = "${cron_minute} ${cron_hour} * * *"
    $log_args = $env_sync_checks::log ? {
      'auto'  => [],
      default => ['--log', $env_sync_checks::log],
    }
    $runbook_args = $runbook_url ? {
      undef   => [],
      default => ['--runbook-url', $runbook_url],
    }
    $generate = shellquote([
      $env_sync_checks::env_sync, 'config', 'nrpe', '--job', $title, '--schedule', $schedule,
      '--grace', $grace, '--max-age', $max_age, $state_dir_args, $log_args, $runbook_args,
    ])
    $file = shellquote($nrpe_file)
    $new = shellquote("${nrpe_file}.new")
    exec { "env_sync_checks: NRPE command of ${title}":
      command  => "${generate} > ${new} && chmod 0644 ${new} && mv -f ${new} ${file}",
      unless   => "${generate} | cmp -s - ${file}",
      path     => ['/usr/bin', '/bin'],
      provider => shell,
      require  => Package['env-sync-checks'],
      notify   => $restart,
    }
  } else {
    file { $nrpe_file:
      ensure => absent,
      notify => $restart,
    }
  }
}
