#!/usr/bin/env bash
# `npm run get`: dumps the schema of the real libvirt provider binary (from scripts/toolchain.sh) with
# `tofu providers schema -json`, writes it to providers/libvirt-schema.json, and regenerates the
# TypeScript bindings in providers/libvirt/ from it. Both are committed, so `npm ci` alone can synth.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
source "$here/toolchain-env.sh"
[ -x "$TOFU" ] || { echo "npm run get: OpenTofu missing at $TOFU; run scripts/toolchain.sh first" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/main.tf.json" <<JSON
{ "terraform": { "required_providers": { "libvirt": { "source": "dmacvicar/libvirt", "version": "0.9.7" } } } }
JSON
(cd "$work" && "$TOFU" init -input=false -no-color >/dev/null) \
  || { echo "npm run get: tofu init failed: is dmacvicar/libvirt 0.9.7 in the mirror? (scripts/toolchain.sh)" >&2; exit 1; }
(cd "$work" && "$TOFU" providers schema -json) > "$work/schema.json"

# Keep only libvirt, under the registry name cdktf expects, and record the version for the bindings.
node -e '
  const fs = require("fs");
  const s = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
  const key = Object.keys(s.provider_schemas).find((k) => k.endsWith("/dmacvicar/libvirt"));
  const fqpn = "registry.terraform.io/dmacvicar/libvirt";
  const out = { format_version: s.format_version, provider_schemas: { [fqpn]: s.provider_schemas[key] },
                provider_versions: { [fqpn]: "0.9.7" } };
  fs.writeFileSync(process.argv[2], JSON.stringify(out, null, 1) + "\n");
' "$work/schema.json" "$root/providers/libvirt-schema.json"
node "$here/generate-libvirt-bindings.js"
