#!/usr/bin/env node
// Runs a TypeScript entry point without type-checking (that happens in `npm test` and `npm run build`).
// Synth speed matters (it runs on every change), so three caches under node_modules/.cache:
// - each .ts file is transpiled once with TypeScript's transpileModule, keyed by path, size and mtime,
//   so a warm run neither reads the source nor loads the compiler;
// - V8's code cache (v8-compile-cache) spares re-parsing the large generated libvirt bindings.
// A user error (bad input) is printed as its message alone (scripts/user-errors.js).
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');

const root = path.resolve(__dirname, '..');
const cacheRoot = path.join(root, 'node_modules', '.cache');
process.env.V8_COMPILE_CACHE_CACHE_DIR = process.env.V8_COMPILE_CACHE_CACHE_DIR || path.join(cacheRoot, 'v8-compile-cache');
require('v8-compile-cache');
const Module = require('module');

// cdktf's per-token stack traces are not formatted (see token-stack-traces.js).
require('./token-stack-traces').skipTokenStackTraces(Error);

const cacheDir = path.join(cacheRoot, 'run-ts');
let ts; // loaded only on a cache miss

function transpile(filename) {
  const stat = fs.statSync(filename);
  const key = crypto.createHash('sha256').update(`${filename}\0${stat.size}\0${stat.mtimeMs}`).digest('hex').slice(0, 32);
  const cached = path.join(cacheDir, key + '.js');
  try {
    return fs.readFileSync(cached, 'utf8');
  } catch {
    ts = ts || require('typescript');
    const out = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
      fileName: filename,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    }).outputText;
    fs.mkdirSync(cacheDir, { recursive: true });
    const tmp = `${cached}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, out);
    fs.renameSync(tmp, cached);
    return out;
  }
}

Module._extensions['.ts'] = function (module, filename) {
  module._compile(transpile(filename), filename);
};

const entry = process.argv[2];
if (!entry) {
  console.error('usage: node scripts/run-ts.js <file.ts> [args...]');
  process.exit(2);
}
process.argv.splice(1, 1); // the entry sees itself as argv[1], as under ts-node
// A user error prints as its message alone (KVMS_DEBUG=1 adds the trace); a bug keeps its trace.
const { reportAndExit } = require('./user-errors');
process.on('unhandledRejection', reportAndExit);
try {
  require(path.resolve(entry));
} catch (error) {
  reportAndExit(error);
}
