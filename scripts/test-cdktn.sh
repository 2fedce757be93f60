#!/usr/bin/env bash
# `npm run test:cdktn`: the unit suite on CDK Terrain 0.24 (the community fork of cdktf) and Node 22, the
# way the README's "Using with CDK Terrain" recipe sets a project up. Works in a temporary copy of the
# working tree (tracked and untracked files, not node_modules), so this checkout stays on cdktf 0.21.
# Arguments go to jest, e.g. `npm run test:cdktn -- __tests__/unit/stacks`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
node22=$(bash "$root/scripts/node22.sh")
export PATH="$node22:$PATH"
copy=$(mktemp -d "${TMPDIR:-/tmp}/kvms-cdktn-XXXXXX")
trap 'rm -rf "$copy"' EXIT

bash "$root/scripts/fresh-copy.sh" "$copy"

# The recipe: cdktf's package names resolve to CDK Terrain's, and the override makes the prebuilt
# @cdktf/provider-* packages (peer cdktf ^0.21.0) accept it; cdktn 0.24 wants constructs 10.6 or 10.7.
node - "$copy/package.json" <<'JS'
const fs = require('fs');
const file = process.argv[2];
const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
Object.assign(pkg.devDependencies, {
  cdktf: 'npm:cdktn@0.24.0',
  'cdktf-cli': 'npm:cdktn-cli@0.24.0',
  '@cdktf/commons': 'npm:@cdktn/commons@0.24.0',
  '@cdktf/provider-generator': 'npm:@cdktn/provider-generator@0.24.0',
  constructs: '10.7.2',
});
pkg.overrides = { ...pkg.overrides, cdktf: '$cdktf' };
fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + '\n');
JS

cd "$copy"
echo "test:cdktn: Node $(node --version), installing CDK Terrain in a temporary copy" >&2
npm install --no-audit --no-fund --loglevel=error
echo "test:cdktn: $(node -p "const p = require('cdktf/package.json'); p.name + ' ' + p.version") with constructs $(node -p "require('constructs/package.json').version")" >&2
npm test -- "$@"
# The CLI under its own name synthesizes the app as `npx cdktf synth` does (CHECKPOINT_DISABLE: no call home).
CHECKPOINT_DISABLE=1 npx cdktn synth > cdktn-synth.log 2>&1 || { cat cdktn-synth.log >&2; echo "test:cdktn: npx cdktn synth failed" >&2; exit 1; }
for env in dev staging prod; do
  [ -s "cdktf.out/stacks/$env/cdk.tf.json" ] || { cat cdktn-synth.log >&2; echo "test:cdktn: npx cdktn synth wrote no cdktf.out/stacks/$env/cdk.tf.json" >&2; exit 1; }
done
echo "test:cdktn: npx cdktn synth wrote the dev, staging and prod stacks" >&2
