#!/usr/bin/env bash
# Links the checks into the directory Icinga 2 (PluginDir), NRPE and Nagios ($USER1$) take plugins
# from, default /usr/lib/nagios/plugins. Links, not copies: the launchers load their bundles (and the
# lazily loaded ones in dist/lazy/) from this checkout's dist/, and an upgrade of the checkout upgrades
# what Icinga runs.
# Usage: scripts/install-nagios-plugins.sh [PLUGIN_DIR]
set -euo pipefail
dest=${1:-/usr/lib/nagios/plugins}
src=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)/plugins
if [[ ! -d $dest ]]; then
  echo "install-nagios-plugins: $dest does not exist: install monitoring-plugins-basic (or give another directory)" >&2
  exit 1
fi
for p in check_env_sync check_env_sync_all check_env_sync_order; do
  target=$dest/$p
  if [[ -e $target && ! -L $target ]]; then
    echo "install-nagios-plugins: $target exists and is not a symbolic link; move it away first" >&2
    exit 1
  fi
  ln -sfn "$src/$p" "$target"
  echo "$target -> $src/$p"
done
if [[ ! -f $src/../dist/check_env_sync.cjs ]]; then
  echo "install-nagios-plugins: the checkout is not built yet: run npm ci && npm run build in $(dirname "$src")" >&2
fi
