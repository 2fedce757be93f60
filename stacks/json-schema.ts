/**
 * The part of JSON Schema (draft 2020-12) the environment file format uses, and a checker for it whose
 * messages name the key, the value and the fix. Editors read the same schema (`$schema` in a file) to
 * complete and check what is typed; the checker is the library's own, so its messages are the library's.
 */
import { editDistance } from '../renderers/edit-distance';

export interface JsonSchema {
  /** The dialect, on the root: `https://json-schema.org/draft/2020-12/schema`. @default none */
  readonly $schema?: string;
  /** The schema's identifier, on the root. @default none */
  readonly $id?: string;
  /** A title for editors. @default none */
  readonly title?: string;
  /** What the key is for; editors show it on hover, the checker quotes it when a required key is missing. @default none */
  readonly description?: string;
  /** The JSON type of the value. @default any type */
  readonly type?: 'object' | 'string' | 'integer' | 'number' | 'boolean' | 'array';
  /** The known keys of an object and their schemas. @default none */
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  /** The keys an object must have. @default none */
  readonly required?: readonly string[];
  /** Other keys of an object: `false` refuses them, a schema checks their values. @default any */
  readonly additionalProperties?: boolean | JsonSchema;
  /** What every key of an object must look like (its `pattern`). @default any */
  readonly propertyNames?: JsonSchema;
  /** The values a string may have. @default any */
  readonly enum?: readonly (string | number)[];
  /** The one value a string may have (e.g. a `kind`). @default any */
  readonly const?: string;
  /** A regular expression (Unicode) a string must match. @default any */
  readonly pattern?: string;
  /**
   * The fix when `pattern` does not match, e.g. "use lowercase letters and digits". Not part of the
   * standard: VS Code and the YAML language server show it instead of the bare pattern; other
   * validators ignore it.
   * @default "it must match <pattern>"
   */
  readonly patternErrorMessage?: string;
  /** Fewest characters of a string. @default 0 */
  readonly minLength?: number;
  /** Smallest number. @default none */
  readonly minimum?: number;
  /** Largest number. @default none */
  readonly maximum?: number;
  /** The schema of every entry of a list. @default any */
  readonly items?: JsonSchema;
  /** Fewest entries of a list. @default 0 */
  readonly minItems?: number;
  /** Most entries of a list. @default none */
  readonly maxItems?: number;
  /**
   * Exactly one applies. Objects are told apart by a property every option fixes with a `const`
   * (`kind`), other values by their type; the checker does not try options of one type in turn.
   * @default none
   */
  readonly oneOf?: readonly JsonSchema[];
  /** The value when the key is left out, for editors (the constructs apply the defaults). @default none */
  readonly default?: unknown;
}

/** A value that does not fit the schema: where (a dotted key, `[i]` for list entries), and what to change. */
export interface SchemaProblem {
  readonly key: string;
  readonly message: string;
}

/** The first problem of `value` against `schema`, or undefined when it fits. */
export function checkAgainstSchema(schema: JsonSchema, value: unknown, key = ''): SchemaProblem | undefined {
  if (schema.oneOf !== undefined) return checkOneOf(schema, value, key);
  const problem = (message: string): SchemaProblem => ({ key, message });
  switch (schema.type) {
    case 'object':
      return checkObject(schema, value, key);
    case 'array': {
      if (!Array.isArray(value)) return problem(`expected ${describeSchema(schema)}, got ${describe(value)}`);
      if (schema.minItems !== undefined && value.length < schema.minItems) return problem(`needs at least ${schema.minItems} entr${schema.minItems === 1 ? 'y' : 'ies'}; add ${schema.minItems === 1 ? 'one' : 'more'}`);
      if (schema.maxItems !== undefined && value.length > schema.maxItems) return problem(`has ${value.length} entries; give at most ${schema.maxItems}`);
      for (let i = 0; i < value.length; i++) {
        const inner = schema.items ? checkAgainstSchema(schema.items, value[i], `${key}[${i}]`) : undefined;
        if (inner) return inner;
      }
      return undefined;
    }
    case 'string': {
      if (typeof value !== 'string') {
        // YAML reads 8080, true and 1.10 as a number or a boolean: say how to keep them text.
        const quoteIt = typeof value === 'number' || typeof value === 'boolean' ? `; write it in quotes: "${String(value)}"` : '';
        return problem(`expected ${describeSchema(schema)}, got ${describe(value)}${quoteIt}`);
      }
      if (schema.const !== undefined && value !== schema.const) return problem(`${JSON.stringify(value)} must be ${JSON.stringify(schema.const)}`);
      if (schema.enum !== undefined && !schema.enum.includes(value)) return problem(`${JSON.stringify(value)} is not one of ${schema.enum.join(', ')}`);
      if ([...value].length < (schema.minLength ?? 0)) return problem(`expected ${describeSchema(schema)}, got ${describe(value)}`);
      if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) {
        return problem(`${JSON.stringify(value)} is not allowed; ${schema.patternErrorMessage ?? `it must match ${schema.pattern}`}`);
      }
      return undefined;
    }
    case 'integer':
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value) || (schema.type === 'integer' && !Number.isInteger(value))) {
        return problem(`expected ${describeSchema(schema)}, got ${describe(value)}`);
      }
      if ((schema.minimum !== undefined && value < schema.minimum) || (schema.maximum !== undefined && value > schema.maximum)) {
        return problem(`${value} is out of range; use ${range(schema.minimum, schema.maximum)}`);
      }
      return undefined;
    }
    case 'boolean':
      return typeof value === 'boolean' ? undefined : problem(`expected true or false, got ${describe(value)}`);
    default:
      return undefined;
  }
}

function checkObject(schema: JsonSchema, value: unknown, key: string): SchemaProblem | undefined {
  if (!isMapping(value)) return { key, message: `expected ${describeSchema(schema)}, got ${describe(value)}` };
  const properties = schema.properties ?? {};
  const known = Object.keys(properties).filter((k) => !k.startsWith('$'));
  for (const k of Object.keys(value)) {
    const names = schema.propertyNames;
    if (names?.pattern !== undefined && !new RegExp(names.pattern, 'u').test(k)) {
      return { key: join(key, k), message: `the name ${JSON.stringify(k)} is not allowed; ${names.patternErrorMessage ?? `it must match ${names.pattern}`}` };
    }
    if (Object.hasOwn(properties, k)) continue;
    if (schema.additionalProperties === false) {
      const guess = closest(k, known);
      return {
        key: join(key, k),
        message: guess === undefined
          ? `unknown key; the keys here are ${known.join(', ')} (check the spelling)`
          : `unknown key; did you mean ${guess}? The keys here are ${known.join(', ')}`,
      };
    }
    if (typeof schema.additionalProperties === 'object') {
      const inner = checkAgainstSchema(schema.additionalProperties, value[k], join(key, k));
      if (inner) return inner;
    }
  }
  for (const k of schema.required ?? []) {
    if (value[k] === undefined) {
      const want = properties[k] ?? {};
      return { key: join(key, k), message: `is required; add it (${describeSchema(want)}${want.description === undefined ? '' : `: ${want.description}`})` };
    }
  }
  for (const [k, s] of Object.entries(properties)) {
    if (value[k] === undefined) continue;
    const inner = checkAgainstSchema(s, value[k], join(key, k));
    if (inner) return inner;
  }
  return undefined;
}

/** One of several shapes: objects are told apart by a discriminating `const` property, others by type. */
function checkOneOf(schema: JsonSchema, value: unknown, key: string): SchemaProblem | undefined {
  const options = schema.oneOf!;
  const discriminator = discriminatorOf(options);
  if (discriminator !== undefined && isMapping(value)) {
    const kinds = options.map((o) => o.properties![discriminator].const!);
    const kind = value[discriminator];
    const chosen = options.find((o) => o.properties![discriminator].const === kind);
    if (chosen === undefined) return { key: join(key, discriminator), message: `must be one of ${kinds.join(', ')}, got ${describe(kind)}` };
    return checkAgainstSchema(chosen, value, key);
  }
  const matching = options.filter((o) => typeMatches(o, value));
  if (matching.length === 0) return { key, message: `expected ${describeSchema(schema)}, got ${describe(value)}` };
  return checkAgainstSchema(matching[0], value, key);
}

/** The property every option gives a `const` (e.g. `kind`), if there is one. */
function discriminatorOf(options: readonly JsonSchema[]): string | undefined {
  const first = options[0]?.properties;
  if (first === undefined) return undefined;
  return Object.keys(first).find((k) => first[k].const !== undefined && options.every((o) => o.properties?.[k]?.const !== undefined));
}

function typeMatches(schema: JsonSchema, value: unknown): boolean {
  switch (schema.type) {
    case 'object': return isMapping(value);
    case 'array': return Array.isArray(value);
    case 'string': return typeof value === 'string';
    case 'integer': return typeof value === 'number' && Number.isInteger(value);
    case 'number': return typeof value === 'number';
    case 'boolean': return typeof value === 'boolean';
    default: return true;
  }
}

/** What a schema wants, in words: "a whole number (1 to 65535)", "a mapping with kind local or kvm". */
export function describeSchema(schema: JsonSchema): string {
  if (schema.oneOf !== undefined) {
    const discriminator = discriminatorOf(schema.oneOf);
    if (discriminator !== undefined) return `a mapping with ${discriminator} ${or(schema.oneOf.map((o) => o.properties![discriminator].const!))}`;
    return or(schema.oneOf.map(describeSchema));
  }
  switch (schema.type) {
    case 'string':
      if (schema.const !== undefined) return JSON.stringify(schema.const);
      if (schema.enum !== undefined) return `one of ${schema.enum.join(', ')}`;
      return (schema.minLength ?? 0) > 0 ? 'a non-empty string' : 'a string';
    case 'boolean': return 'true or false';
    case 'integer': return `a whole number${schema.minimum !== undefined || schema.maximum !== undefined ? ` (${range(schema.minimum, schema.maximum)})` : ''}`;
    case 'number': return `a number${schema.minimum !== undefined || schema.maximum !== undefined ? ` (${range(schema.minimum, schema.maximum)})` : ''}`;
    case 'array': return schema.items === undefined ? 'a list' : listOf(describeSchema(schema.items));
    case 'object': {
      const keys = Object.keys(schema.properties ?? {}).filter((k) => !k.startsWith('$'));
      return keys.length > 0 ? `a mapping with ${keys.join(', ')}` : 'a mapping';
    }
    default: return 'a value';
  }
}

/** "a list of non-empty strings", or "a list, each a string or a mapping with path, ...". */
function listOf(one: string): string {
  const noun = /^an? (.*?)\b(string|number|mapping|list)\b(.*)$/.exec(one);
  return noun === null || one.includes(' or ') ? `a list, each ${one}` : `a list of ${noun[1]}${noun[2]}s${noun[3]}`;
}

function or(choices: readonly string[]): string {
  return choices.length <= 1 ? choices.join('') : `${choices.slice(0, -1).join(', ')} or ${choices[choices.length - 1]}`;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return typeof value === 'string' ? `the string ${JSON.stringify(value)}` : `${typeof value} ${String(value)}`;
}

function range(min?: number, max?: number): string {
  if (min !== undefined && max !== undefined) return `${min} to ${max}`;
  return min !== undefined ? `at least ${min}` : `at most ${max}`;
}

function join(at: string, key: string): string {
  return at === '' ? key : `${at}.${key}`;
}

/** The known key a typo most likely meant: same letters in another case, or at most two edits away. */
function closest(typed: string, known: readonly string[]): string | undefined {
  const lower = typed.toLowerCase();
  const sameCase = known.find((k) => k.toLowerCase() === lower);
  if (sameCase !== undefined) return sameCase;
  let best: string | undefined;
  let bestDistance = Math.min(2, Math.floor(typed.length / 3));
  for (const k of known) {
    const d = editDistance(lower, k.toLowerCase());
    if (d <= bestDistance && (best === undefined || d < bestDistance)) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}
