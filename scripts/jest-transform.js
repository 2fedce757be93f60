// Jest's transform for TypeScript: esbuild strips the types, file by file, as `isolatedModules` allows.
// ts-jest spent about 8 s of a fresh clone's `npm test` transpiling the 8 MB of libvirt bindings;
// esbuild does every file in about 1 s. Type-checking stays with `tsc` in `npm test`.
'use strict';
const crypto = require('crypto');
const esbuild = require('esbuild');
const fs = require('fs');
const path = require('path');
const { version } = require('esbuild/package.json');
// The project's tsconfig.json gives esbuild tsc's class-field semantics (from its target).
const tsconfigRaw = fs.readFileSync(path.join(__dirname, '..', 'tsconfig.json'), 'utf8');
// A change to esbuild, to this file or to tsconfig.json must not reuse Jest's cached output.
const transformerKey = `${version}\0${fs.readFileSync(__filename, 'utf8')}\0${tsconfigRaw}`;

const generated = /[\\/]providers[\\/]libvirt[\\/]/;

module.exports = {
  process(source, filename) {
    const { code, map } = esbuild.transformSync(source, {
      loader: 'ts',
      format: 'cjs',
      target: 'node20',
      sourcefile: filename,
      // Maps give failures their TypeScript lines; the generated bindings are never where a failure is.
      sourcemap: generated.test(filename) ? false : 'external',
      tsconfigRaw,
    });
    return { code, map };
  },
  getCacheKey(source, filename) {
    return crypto.createHash('sha256').update(`${transformerKey}\0${filename}\0${source}`).digest('hex');
  },
};
