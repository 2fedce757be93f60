#!/usr/bin/env bash
# `npm run test:cdktn`: the unit suite and `npx cdktn synth` on CDK Terrain 0.24 (the community fork of
# cdktf) and Node 22, with the README's "Using with CDK Terrain" recipe applied. Works in a temporary copy
# of the working tree (tracked and untracked files, not node_modules), so this checkout stays on cdktf 0.21.
# Arguments go to jest, e.g. `npm run test:cdktn -- __tests__/unit/stacks`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
node22=$(bash "$root/scripts/node22.sh")
export PATH="$node22:$PATH"
copy=$(mktemp -d "${TMPDIR:-/tmp}/kvms-cdktn-XXXXXX")
trap 'rm -rf "$copy"' EXIT

bash "$root/scripts/fresh-copy.sh" "$copy"

# The README's recipe ("Using with CDK Terrain", the block after `<!-- cdktn-recipe -->`), each package
# set where this project lists it; this project's own build tools (the bindings generator) move along.
node - "$copy/package.json" "$copy/README.md" <<'JS'
const fs = require('fs');
const [file, readme] = process.argv.slice(2);
const block = /<!-- cdktn-recipe -->\s*```json\n([\s\S]*?)\n```/.exec(fs.readFileSync(readme, 'utf8'));
if (block === null) throw new Error('README.md has no cdktn-recipe block (a json block after <!-- cdktn-recipe -->)');
const recipe = JSON.parse(block[1]);
const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
for (const [name, spec] of Object.entries({ ...recipe.dependencies, ...recipe.devDependencies })) {
  const section = ['dependencies', 'devDependencies'].find((s) => pkg[s] && name in pkg[s]);
  if (section === undefined) throw new Error(`the recipe names ${name}, which package.json does not list`);
  pkg[section][name] = spec;
}
Object.assign(pkg.devDependencies, {
  '@cdktf/commons': 'npm:@cdktn/commons@0.24.0',
  '@cdktf/provider-generator': 'npm:@cdktn/provider-generator@0.24.0',
});
pkg.overrides = { ...pkg.overrides, ...recipe.overrides };
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
