#!/usr/bin/env bash
# Installs the real components the tests run (rsyslog, logrotate, logger, NRPE, icinga2, envdir, tmux,
# libfaketime, journald and systemd-journal-remote, promtool and prometheus, node_exporter, the
# Pushgateway, curl, lintian, cron (its crontab, and the daemon the dead-scheduler tests start and
# kill), sudo, groff and man for the man pages, and for the attack tests strace (the audit of root's
# path-based writes), perl (TIOCSTI: Node has no ioctl) and inotify-tools (watching a directory to
# race root's writes), and mmdebstrap for the clean Debian roots of npm run test:package)
# from Debian's packages when they are missing. Tests never skip a missing tool: they fail and name this
# script; run it as root (or install the packages listed below yourself).
set -euo pipefail
declare -A need=(
  [rsyslogd]=rsyslog
  [logrotate]=logrotate
  [logger]=bsdutils
  [nrpe]=nagios-nrpe-server
  [/usr/lib/nagios/plugins/check_nrpe]=nagios-nrpe-plugin
  [icinga2]=icinga2
  [envdir]=daemontools
  [tmux]=tmux
  [nagios4]=nagios4-core
  [hyperfine]=hyperfine
  [script]=bsdutils
  [setpriv]=util-linux
  [ionice]=util-linux
  [/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1]=libfaketime
  [faketime]=faketime
  [pgrep]=procps
  [journalctl]=systemd
  [/lib/systemd/systemd-journald]=systemd
  [/lib/systemd/systemd-journal-remote]=systemd-journal-remote
  [unshare]=util-linux
  [useradd]=passwd
  [promtool]=prometheus
  [prometheus]=prometheus
  [prometheus-node-exporter]=prometheus-node-exporter
  [prometheus-pushgateway]=prometheus-pushgateway
  [curl]=curl
  [lintian]=lintian
  [crontab]=cron
  [cron]=cron
  [nsenter]=util-linux
  [dbus-daemon]=dbus
  [busctl]=systemd
  [sudo]=sudo
  [mount]=mount
  [groff]=groff-base
  [man]=man-db
  [strace]=strace
  [perl]=perl
  [inotifywait]=inotify-tools
  [mmdebstrap]=mmdebstrap
)
missing=()
for tool in "${!need[@]}"; do
  if [[ $tool == /* ]]; then [[ -e $tool ]] && continue; else command -v "$tool" >/dev/null 2>&1 && continue; fi
  [[ -x /usr/sbin/$tool ]] && continue
  missing+=("${need[$tool]}")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0
mapfile -t pkgs < <(printf '%s\n' "${missing[@]}" | sort -u)
if [[ $(id -u) -ne 0 ]]; then
  echo "test-deps: missing Debian packages: ${pkgs[*]}; install them as root: apt-get update && apt-get install -y ${pkgs[*]}" >&2
  exit 1
fi
echo "test-deps: installing ${pkgs[*]} from Debian" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Keep the packaged daemons from starting as services: the tests start their own on 127.0.0.1 only.
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
trap 'rm -f /usr/sbin/policy-rc.d' EXIT
apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
