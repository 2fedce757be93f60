#!/usr/bin/env node
// Runs a TypeScript entry point without type-checking (that happens in `npm test` and `npm run build`):
// each .ts file is transpiled once with TypeScript's transpileModule and cached by content hash, so a
// synth pays neither for the type-checker nor, after the first run, for loading the compiler at all.
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const Module = require('module');

const root = path.resolve(__dirname, '..');
const cacheDir = path.join(root, 'node_modules', '.cache', 'run-ts');
let ts; // loaded only on a cache miss

function transpile(source, filename) {
  const key = crypto.createHash('sha256').update(source).digest('hex').slice(0, 32);
  const cached = path.join(cacheDir, key + '.js');
  try {
    return fs.readFileSync(cached, 'utf8');
  } catch {
    ts = ts || require('typescript');
    const out = ts.transpileModule(source, {
      fileName: filename,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    }).outputText;
    fs.mkdirSync(cacheDir, { recursive: true });
    fs.writeFileSync(cached + '.tmp' + process.pid, out);
    fs.renameSync(cached + '.tmp' + process.pid, cached);
    return out;
  }
}

Module._extensions['.ts'] = function (module, filename) {
  module._compile(transpile(fs.readFileSync(filename, 'utf8'), filename), filename);
};

const entry = process.argv[2];
if (!entry) {
  console.error('usage: node scripts/run-ts.js <file.ts> [args...]');
  process.exit(2);
}
process.argv.splice(1, 1); // the entry sees itself as argv[1], as under ts-node
require(path.resolve(entry));
