#!/usr/bin/env node
// Generates the libvirt bindings from the committed provider schema, the way `cdktf get` would, offline:
//   node scripts/generate-libvirt-bindings.js   (reads providers/libvirt-schema.json, writes providers/libvirt/)
'use strict';
const fs = require('fs');
const path = require('path');
const { TerraformProviderGenerator, CodeMaker } = require('@cdktf/provider-generator');
const { TerraformProviderConstraint, ConstructsMakerProviderTarget, LANGUAGES } = require('@cdktf/commons');

const root = path.resolve(__dirname, '..');
const schemaFile = path.join(root, 'providers', 'libvirt-schema.json');
const outDir = root; // the generator names its files providers/libvirt/...

async function main() {
  const schema = JSON.parse(fs.readFileSync(schemaFile, 'utf8'));
  const [fqpn] = Object.keys(schema.provider_schemas);
  const version = schema.provider_versions[fqpn];
  // The short source makes the synthesized required_providers resolve on OpenTofu and Terraform alike.
  const constraint = new TerraformProviderConstraint(`dmacvicar/libvirt@${version}`);
  const code = new CodeMaker();
  code.indentation = 2;
  const generator = new TerraformProviderGenerator(code, schema);
  generator.generate(new ConstructsMakerProviderTarget(constraint, LANGUAGES[0]));
  fs.rmSync(path.join(root, 'providers', 'libvirt'), { recursive: true, force: true });
  await code.save(outDir);
  console.log(`generated providers/libvirt from ${fqpn} ${version}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
