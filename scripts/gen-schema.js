#!/usr/bin/env node
// Writes schema/environment.schema.json, the JSON Schema of environment files that editors read through
// `$schema`, from ENVIRONMENT_SCHEMA (stacks/environment-schema.ts), the schema the loader checks with.
// `npm run schema` rewrites the file (run-ts.js loads the TypeScript); __tests__/unit/stacks/environment-schema.test.ts
// fails when it is stale.
'use strict';
const fs = require('fs');
const path = require('path');

const OUTPUT = path.join('schema', 'environment.schema.json');

/** The schema file's text: the schema as JSON, two-space indented, with a final newline. */
function generate() {
  const { ENVIRONMENT_SCHEMA } = require('../stacks/environment-schema');
  return `${JSON.stringify(ENVIRONMENT_SCHEMA, null, 2)}\n`;
}

module.exports = { generate, OUTPUT };

// Run as `node scripts/run-ts.js scripts/gen-schema.js`: run-ts.js makes this file argv[1].
if (path.resolve(process.argv[1] || '') === __filename) {
  const file = path.join(__dirname, '..', OUTPUT);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, generate());
  console.log(`wrote ${OUTPUT}`);
}
