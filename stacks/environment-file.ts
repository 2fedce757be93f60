import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { EnvironmentConfig } from './environment-config';

/** A field of the environment file format: its type, whether it is required, and what is inside. */
type Field =
  | { readonly type: 'string' | 'boolean'; readonly optional?: boolean; readonly oneOf?: readonly string[]; readonly pattern?: { readonly re: RegExp; readonly fix: string } }
  | { readonly type: 'integer' | 'number'; readonly optional?: boolean; readonly min?: number; readonly max?: number }
  | { readonly type: 'string[]'; readonly optional?: boolean; readonly minItems?: number }
  | { readonly type: 'object'; readonly optional?: boolean; readonly fields: Readonly<Record<string, Field>> }
  | { readonly type: 'variant'; readonly optional?: boolean; readonly by: string; readonly variants: Readonly<Record<string, Readonly<Record<string, Field>>>> }
  | { readonly type: 'array'; readonly optional?: boolean; readonly minItems?: number; readonly items: Readonly<Record<string, Field>> }
  | { readonly type: 'map'; readonly optional?: boolean };

const appService: Field = {
  type: 'object',
  fields: {
    image: { type: 'string' },
    replicas: { type: 'integer', min: 1, max: 50 },
    containerPort: { type: 'integer', min: 1, max: 65535 },
    memoryMiB: { type: 'integer', min: 16 },
    cpus: { type: 'number', min: 0.01 },
    healthcheckCommand: { type: 'string[]', optional: true, minItems: 1 },
  },
};

/** The format of an environment file: the same shape as `EnvironmentConfig`. */
const ENVIRONMENT: Readonly<Record<string, Field>> = {
  // The name becomes the stack name and the prefix of Docker names: keep it to a DNS label.
  name: { type: 'string', pattern: { re: /^[a-z][a-z0-9-]{0,30}$/, fix: 'use lowercase letters, digits and \'-\', starting with a letter, at most 31 characters, like "qa-2"' } },
  hosting: {
    type: 'variant',
    by: 'kind',
    variants: {
      local: { dockerSocket: { type: 'string', optional: true } },
      kvm: {
        libvirtUri: { type: 'string' },
        networkCidr: { type: 'string' },
        baseImage: { type: 'string' },
        sshPublicKeys: { type: 'string[]', minItems: 1 },
        virtualization: { type: 'string', oneOf: ['kvm', 'qemu'] },
        hosts: {
          type: 'array',
          minItems: 1,
          items: {
            name: { type: 'string' },
            vcpus: { type: 'integer', min: 1 },
            memoryMiB: { type: 'integer', min: 512 },
            diskSizeGiB: { type: 'integer', min: 2 },
          },
        },
      },
    },
  },
  storefront: appService,
  inventory: appService,
  database: { type: 'object', fields: { image: { type: 'string' }, hostPath: { type: 'string' }, memoryMiB: { type: 'integer', min: 64 } } },
  gateway: {
    type: 'object',
    fields: {
      image: { type: 'string' },
      hostPort: { type: 'integer', min: 1, max: 65535 },
      hostAddress: { type: 'string' },
      serverNames: { type: 'string[]', minItems: 1 },
    },
  },
  sysctl: { type: 'map', optional: true },
  residency: { type: 'object', optional: true, fields: { hostsIn: { type: 'string' }, allowed: { type: 'string[]', minItems: 1 } } },
  backend: {
    type: 'variant',
    optional: true,
    by: 'kind',
    variants: {
      local: {},
      pg: { schemaName: { type: 'string' } },
      s3: { bucket: { type: 'string' }, key: { type: 'string' }, region: { type: 'string' } },
    },
  },
};

/** A problem in an environment file, with the file, the key and the fix. */
export class EnvironmentFileError extends Error {
  constructor(file: string, key: string, message: string) {
    super(`environment file ${file}: ${key === '' ? '' : `${key}: `}${message}`);
    this.name = 'EnvironmentFileError';
  }
}

/**
 * Reads an environment from a JSON or YAML file (by extension) and checks it against the format of
 * `EnvironmentConfig`: unknown keys, wrong types and missing values are errors that name the file, the
 * key and the fix. Value checks (CIDRs, paths, images) happen in the constructs, at synth.
 */
export function loadEnvironmentFile(file: string): EnvironmentConfig {
  const shown = path.basename(file);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new EnvironmentFileError(shown, '', `cannot be read; check the path ${JSON.stringify(file)}`);
  }
  let data: unknown;
  try {
    data = /\.ya?ml$/i.test(file) ? parse(text) : JSON.parse(text);
  } catch (e) {
    throw new EnvironmentFileError(shown, '', `is not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'} (${(e as Error).message.split('\n')[0]})`);
  }
  checkObject(shown, '', data, ENVIRONMENT);
  const config = data as EnvironmentConfig;
  return { ...config, sysctl: config.sysctl ?? {}, backend: config.backend ?? { kind: 'local' } };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'string' ? `the string ${JSON.stringify(value)}` : `${typeof value} ${JSON.stringify(value)}`;
}

function checkObject(file: string, at: string, value: unknown, fields: Readonly<Record<string, Field>>): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new EnvironmentFileError(file, at, `expected a mapping of keys (${Object.keys(fields).join(', ')}), got ${describe(value)}`);
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    // Own keys only: `in` would also accept Object.prototype's (toString, constructor, __proto__).
    if (!Object.hasOwn(fields, key)) {
      throw new EnvironmentFileError(file, join(at, key), `unknown key; the keys here are ${Object.keys(fields).join(', ')} (check the spelling)`);
    }
  }
  for (const [key, field] of Object.entries(fields)) {
    const v = record[key];
    if (v === undefined) {
      if (!field.optional) throw new EnvironmentFileError(file, join(at, key), `is required; add it (${expected(field)})`);
      continue;
    }
    checkField(file, join(at, key), v, field);
  }
}

function checkField(file: string, at: string, v: unknown, field: Field): void {
  const wrong = () => new EnvironmentFileError(file, at, `expected ${expected(field)}, got ${describe(v)}`);
  switch (field.type) {
    case 'string':
      if (typeof v !== 'string' || v === '') throw wrong();
      if (field.oneOf && !field.oneOf.includes(v)) throw new EnvironmentFileError(file, at, `${JSON.stringify(v)} is not one of ${field.oneOf.join(', ')}`);
      if (field.pattern && !field.pattern.re.test(v)) throw new EnvironmentFileError(file, at, `${JSON.stringify(v)} is not allowed; ${field.pattern.fix}`);
      return;
    case 'boolean':
      if (typeof v !== 'boolean') throw wrong();
      return;
    case 'integer':
    case 'number':
      if (typeof v !== 'number' || !Number.isFinite(v) || (field.type === 'integer' && !Number.isInteger(v))) throw wrong();
      if ((field.min !== undefined && v < field.min) || (field.max !== undefined && v > field.max)) {
        throw new EnvironmentFileError(file, at, `${v} is out of range; use ${range(field.min, field.max)}`);
      }
      return;
    case 'string[]':
      if (!Array.isArray(v) || v.some((s) => typeof s !== 'string' || s === '')) throw wrong();
      if (field.minItems !== undefined && v.length < field.minItems) throw new EnvironmentFileError(file, at, `needs at least ${field.minItems} entry; add one`);
      return;
    case 'object':
      checkObject(file, at, v, field.fields);
      return;
    case 'variant': {
      const kind = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[field.by] : undefined;
      const kinds = Object.keys(field.variants);
      if (typeof kind !== 'string' || !kinds.includes(kind)) {
        throw new EnvironmentFileError(file, join(at, field.by), `must be one of ${kinds.join(', ')}, got ${describe(kind)}`);
      }
      checkObject(file, at, v, { [field.by]: { type: 'string' }, ...field.variants[kind] });
      return;
    }
    case 'array':
      if (!Array.isArray(v)) throw wrong();
      if (field.minItems !== undefined && v.length < field.minItems) throw new EnvironmentFileError(file, at, `needs at least ${field.minItems} entry; add one`);
      v.forEach((item, i) => checkObject(file, `${at}[${i}]`, item, field.items));
      return;
    case 'map':
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw wrong();
      return;
  }
}

function expected(field: Field): string {
  switch (field.type) {
    case 'string': return field.oneOf ? `one of ${field.oneOf.join(', ')}` : 'a non-empty string';
    case 'boolean': return 'true or false';
    case 'integer': return `a whole number${field.min !== undefined || field.max !== undefined ? ` (${range(field.min, field.max)})` : ''}`;
    case 'number': return 'a number';
    case 'string[]': return 'a list of non-empty strings';
    case 'object': return `a mapping with ${Object.keys(field.fields).join(', ')}`;
    case 'variant': return `a mapping with ${field.by}: ${Object.keys(field.variants).join(' | ')}`;
    case 'array': return `a list of mappings with ${Object.keys(field.items).join(', ')}`;
    case 'map': return 'a mapping';
  }
}

function range(min?: number, max?: number): string {
  if (min !== undefined && max !== undefined) return `${min} to ${max}`;
  return min !== undefined ? `at least ${min}` : `at most ${max}`;
}

function join(at: string, key: string): string {
  return at === '' ? key : `${at}.${key}`;
}
