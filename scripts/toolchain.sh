#!/usr/bin/env bash
# Builds the engine that checks what we synthesize: OpenTofu and the three providers at exactly the
# versions cdktf writes into required_providers, laid out as a filesystem mirror so `tofu init` needs no
# network. Idempotent; binaries are cached by version under ~/.cache, so a second run takes seconds.
#
#   scripts/toolchain.sh [--allow-missing-providers]
#
# Providers come, in this order, from: the cache; the Go module proxy (built from source);
# $KVMS_PROVIDER_MIRROR, a directory laid out like `tofu providers mirror` output (unpacked or zip),
# for teams whose proxy does not serve the provider modules. A provider found nowhere is reported by
# name; the script then fails unless --allow-missing-providers is given.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=toolchain-env.sh
source "$here/toolchain-env.sh"

allow_missing=false
[ "${1:-}" = "--allow-missing-providers" ] && allow_missing=true

log() { printf '[toolchain] %s\n' "$*" >&2; }

# go_module_source MODULE@VERSION DEST: downloads a module through the proxy and copies it somewhere
# writable (the module cache is read-only and some builds generate code in the tree). When the proxy
# refuses, its own words go to the log (e.g. "403 Forbidden ... This module version is not available").
go_module_source() {
  local modver=$1 dest=$2 out dir reason
  if ! command -v go >/dev/null; then
    log "Go is not on PATH: building $modver needs Go 1.21 or later (it fetches the Go version the module asks for through the proxy); see https://go.dev/dl"
    return 1
  fi
  out=$(cd "$KVMS_CACHE" && GOFLAGS=-mod=mod go mod download -json "$modver" 2>&1) || true
  dir=$(printf '%s\n' "$out" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  if [ -z "$dir" ] || [ ! -d "$dir" ]; then
    reason=$(printf '%s\n' "$out" | sed -n 's/^[[:space:]]*"Error": "\(.*\)"$/\1/p')
    log "the Go module proxy did not serve $modver:"
    printf '%b\n' "${reason:-$out}" | sed 's/^/[toolchain]   /' >&2
    return 1
  fi
  rm -rf "$dest" && mkdir -p "$(dirname "$dest")" && cp -r "$dir" "$dest" && chmod -R u+w "$dest"
}

build_tofu() {
  local bin="$KVMS_CACHE/opentofu/$TOFU_VERSION/tofu"
  if [ -x "$bin" ]; then log "OpenTofu $TOFU_VERSION: cached"; return; fi
  log "OpenTofu $TOFU_VERSION: building from the Go module proxy"
  local src="$KVMS_CACHE/src/opentofu-$TOFU_VERSION"
  go_module_source "github.com/opentofu/opentofu@v$TOFU_VERSION" "$src" \
    || { log "ERROR: the Go module proxy did not serve github.com/opentofu/opentofu@v$TOFU_VERSION"; exit 1; }
  mkdir -p "$(dirname "$bin")"
  (cd "$src" && CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w -X 'github.com/opentofu/opentofu/version.dev=no'" -o "$bin.tmp" ./cmd/tofu)
  mv "$bin.tmp" "$bin"
  rm -rf "$src"
}

# provider_from_proxy TYPE VERSION MODULE@PSEUDO: builds a provider from its module source.
provider_from_proxy() {
  local type=$1 version=$2 modver=$3 out=$4
  local src="$KVMS_CACHE/src/provider-$type-$version"
  go_module_source "$modver" "$src" || return 1
  (cd "$src" \
    && if [ -d internal/codegen ]; then go run ./internal/codegen; fi \
    && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=$version" -o "$out.tmp" .)
  mv "$out.tmp" "$out"
  rm -rf "$src"
}

# provider_from_mirror NAMESPACE TYPE VERSION OUT: copies a binary from $KVMS_PROVIDER_MIRROR.
provider_from_mirror() {
  local ns=$1 type=$2 version=$3 out=$4 host f
  [ -n "${KVMS_PROVIDER_MIRROR:-}" ] || return 1
  for host in registry.opentofu.org registry.terraform.io; do
    f="$KVMS_PROVIDER_MIRROR/$host/$ns/$type/$version/linux_amd64/terraform-provider-${type}_v$version"
    if [ -x "$f" ]; then cp "$f" "$out.tmp" && mv "$out.tmp" "$out"; return 0; fi
    f="$KVMS_PROVIDER_MIRROR/$host/$ns/$type/terraform-provider-${type}_${version}_linux_amd64.zip"
    if [ -f "$f" ]; then
      unzip -p "$f" "terraform-provider-${type}_v$version" > "$out.tmp" && chmod +x "$out.tmp" && mv "$out.tmp" "$out"
      return 0
    fi
  done
  return 1
}

missing=()
install_provider() {
  local ns=$1 type=$2 version=$3 modver=$4
  local dir="$KVMS_MIRROR/registry.opentofu.org/$ns/$type/$version/linux_amd64"
  local out="$dir/terraform-provider-${type}_v$version"
  mkdir -p "$dir"
  if [ -x "$out" ]; then log "$ns/$type $version: cached"; return; fi
  log "$ns/$type $version: trying the Go module proxy ($modver)"
  if provider_from_proxy "$type" "$version" "$modver" "$out"; then log "$ns/$type $version: built"; return; fi
  log "$ns/$type $version: not built from the proxy; trying \$KVMS_PROVIDER_MIRROR"
  if provider_from_mirror "$ns" "$type" "$version" "$out"; then log "$ns/$type $version: copied from the mirror"; return; fi
  rmdir -p "$dir" 2>/dev/null || true
  missing+=("$ns/$type $version (module $modver)")
}

mkdir -p "$KVMS_CACHE" "$KVMS_MIRROR"
# A throw-away module so `go mod download` of a single module works outside any project.
printf 'module example.com/kvms-toolchain\n\ngo 1.23\n' > "$KVMS_CACHE/go.mod"

build_tofu
install_provider kreuzwerker docker 3.6.2 \
  github.com/terraform-providers/terraform-provider-docker@v0.0.0-20250613214648-2f20f8c3ce82
install_provider hashicorp null 3.2.4 \
  github.com/terraform-providers/terraform-provider-null@v1.0.1-0.20250421213748-01034f80eb23
install_provider dmacvicar libvirt 0.9.7 \
  github.com/dmacvicar/terraform-provider-libvirt/v2@v2.0.0-20260329160212-1c5c001600ba

cat > "$TF_CLI_CONFIG_FILE" <<RC
# Written by scripts/toolchain.sh: providers come only from the local mirror, never the network.
provider_installation {
  filesystem_mirror {
    path    = "$KVMS_MIRROR"
    include = ["registry.opentofu.org/*/*", "registry.terraform.io/*/*"]
  }
}
RC

"$TOFU" version >&2
if [ ${#missing[@]} -gt 0 ]; then
  log "MISSING providers (neither cached, served by the Go module proxy, nor in \$KVMS_PROVIDER_MIRROR):"
  for m in "${missing[@]}"; do log "  - $m"; done
  log "Fix: point KVMS_PROVIDER_MIRROR at a directory made by 'tofu providers mirror' on a connected machine."
  $allow_missing || exit 3
fi
log "ready: TOFU=$TOFU TF_CLI_CONFIG_FILE=$TF_CLI_CONFIG_FILE"
