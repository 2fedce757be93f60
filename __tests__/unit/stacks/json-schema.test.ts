import { JsonSchema, checkAgainstSchema, describeSchema } from '../../../stacks/json-schema';

// The checker on its own, one keyword at a time, with small schemas: GIVEN a schema and a value WHEN
// it is checked THEN the first problem (key and message), or none.

const check = (schema: JsonSchema, value: unknown) => checkAgainstSchema(schema, value);

const server: JsonSchema = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, description: 'The server\'s name' },
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    weight: { type: 'number', minimum: 0.5 },
    backup: { type: 'boolean' },
  },
  required: ['name'],
  additionalProperties: false,
};

describe('checkAgainstSchema: types', () => {
  test.each<[string, JsonSchema, unknown]>([
    ['a string', { type: 'string' }, ''],
    ['a whole number', { type: 'integer' }, 3],
    ['a whole number written with a point', { type: 'integer' }, 3.0],
    ['a number', { type: 'number' }, 0.25],
    ['a boolean', { type: 'boolean' }, false],
    ['a list', { type: 'array' }, []],
    ['a mapping', { type: 'object' }, {}],
    ['anything, without a type', {}, null],
  ])('accepts %s', (_, schema, value) => {
    expect(check(schema, value)).toBeUndefined();
  });

  test.each<[string, JsonSchema, unknown, string]>([
    ['a string is a number', { type: 'string' }, 8080, 'expected a string, got number 8080; write it in quotes: "8080"'],
    ['a string is a boolean', { type: 'string', minLength: 1 }, true, 'expected a non-empty string, got boolean true; write it in quotes: "true"'],
    ['a string is a list', { type: 'string' }, ['a'], 'expected a string, got a list'],
    ['a number is a string', { type: 'integer', minimum: 1 }, '2', 'expected a whole number (at least 1), got the string "2"'],
    ['a whole number has a fraction', { type: 'integer', minimum: 0, maximum: 100 }, 1.5, 'expected a whole number (0 to 100), got number 1.5'],
    ['a number is null', { type: 'number', maximum: 9 }, null, 'expected a number (at most 9), got null'],
    ['a boolean is a string', { type: 'boolean' }, 'yes', 'expected true or false, got the string "yes"'],
    ['a list is a mapping', { type: 'array', items: { type: 'string', minLength: 1 } }, {}, 'expected a list of non-empty strings, got a mapping'],
    ['a mapping is a list', server, [], 'expected a mapping with name, port, weight, backup, got a list'],
    ['a mapping of anything is a string', { type: 'object' }, 'x', 'expected a mapping, got the string "x"'],
  ])('fails when %s', (_, schema, value, message) => {
    expect(check(schema, value)).toEqual({ key: '', message });
  });
});

describe('checkAgainstSchema: strings and numbers', () => {
  test('fails when a string is shorter than minLength, counting characters, not UTF-16 units', () => {
    expect(check({ type: 'string', minLength: 1 }, '')).toEqual({ key: '', message: 'expected a non-empty string, got the string ""' });
    expect(check({ type: 'string', minLength: 2 }, '😀')).toEqual({ key: '', message: 'expected a non-empty string, got the string "😀"' });
    expect(check({ type: 'string', minLength: 1 }, '😀')).toBeUndefined();
  });

  test('fails when a string does not match its pattern, with the patternErrorMessage as the fix', () => {
    const schema: JsonSchema = { type: 'string', pattern: '^[a-z]+$', patternErrorMessage: 'use lowercase letters' };
    expect(check(schema, 'abc')).toBeUndefined();
    expect(check(schema, 'aBc')).toEqual({ key: '', message: '"aBc" is not allowed; use lowercase letters' });
  });

  test('fails when a string does not match a pattern without a message, naming the pattern', () => {
    expect(check({ type: 'string', pattern: '^/' }, 'srv')).toEqual({ key: '', message: '"srv" is not allowed; it must match ^/' });
  });

  test('matches patterns as Unicode regular expressions, as JSON Schema does', () => {
    expect(check({ type: 'string', pattern: '^.$' }, '😀')).toBeUndefined();
  });

  test('fails when a string is not one of its enum', () => {
    expect(check({ type: 'string', enum: ['kvm', 'qemu'] }, 'xen')).toEqual({ key: '', message: '"xen" is not one of kvm, qemu' });
  });

  test('fails when a string is not its const', () => {
    expect(check({ type: 'string', const: 'local' }, 'remote')).toEqual({ key: '', message: '"remote" must be "local"' });
  });

  test.each<[JsonSchema, number, string]>([
    [{ type: 'integer', minimum: 1, maximum: 65535 }, 0, '0 is out of range; use 1 to 65535'],
    [{ type: 'integer', minimum: 1, maximum: 65535 }, 70000, '70000 is out of range; use 1 to 65535'],
    [{ type: 'integer', minimum: 512 }, 256, '256 is out of range; use at least 512'],
    [{ type: 'number', maximum: 1 }, 1.5, '1.5 is out of range; use at most 1'],
  ])('fails when a number is out of range (%j, %d)', (schema, value, message) => {
    expect(check(schema, value)).toEqual({ key: '', message });
  });

  test('accepts the bounds themselves', () => {
    expect(check({ type: 'integer', minimum: 1, maximum: 2 }, 1)).toBeUndefined();
    expect(check({ type: 'integer', minimum: 1, maximum: 2 }, 2)).toBeUndefined();
  });

  test('fails when a number is not finite (JSON has no such value, but a program may pass one)', () => {
    expect(check({ type: 'number' }, Number.POSITIVE_INFINITY)).toEqual({ key: '', message: 'expected a number, got number Infinity' });
  });
});

describe('checkAgainstSchema: mappings', () => {
  test('accepts a mapping with the required keys and known optional ones', () => {
    expect(check(server, { name: 'a', port: 80, weight: 1, backup: true })).toBeUndefined();
  });

  test('fails when a key is unknown, listing the known keys', () => {
    expect(check(server, { name: 'a', address: '::1' })).toEqual({ key: 'address', message: 'unknown key; the keys here are name, port, weight, backup (check the spelling)' });
  });

  test('suggests the key a typo meant: another case, or at most two edits away', () => {
    expect(check(server, { name: 'a', Port: 80 })?.message).toBe('unknown key; did you mean port? The keys here are name, port, weight, backup');
    expect(check(server, { name: 'a', wieght: 1 })?.message).toBe('unknown key; did you mean weight? The keys here are name, port, weight, backup');
    expect(check(server, { name: 'a', backups: true })?.message).toBe('unknown key; did you mean backup? The keys here are name, port, weight, backup');
  });

  test('does not suggest a key for a short or distant typo', () => {
    expect(check(server, { name: 'a', pt: 80 })?.message).toBe('unknown key; the keys here are name, port, weight, backup (check the spelling)');
  });

  test.each(['toString', 'constructor', '__proto__', 'hasOwnProperty'])('fails when an unknown key is named like an Object member (%s)', (member) => {
    const value = JSON.parse(`{"name": "a", "${member}": 1}`);
    expect(check(server, value)).toEqual({ key: member, message: 'unknown key; the keys here are name, port, weight, backup (check the spelling)' });
  });

  test('leaves keys starting with $ out of the lists', () => {
    const schema: JsonSchema = { type: 'object', properties: { $schema: { type: 'string' }, name: { type: 'string' } }, additionalProperties: false };
    expect(check(schema, { $schema: './s.json', nme: 'x' })).toEqual({ key: 'nme', message: 'unknown key; did you mean name? The keys here are name' });
    expect(check(schema, [])).toEqual({ key: '', message: 'expected a mapping with name, got a list' });
  });

  test('fails when a required key is missing, saying what to add and what it is for', () => {
    expect(check(server, { port: 80 })).toEqual({ key: 'name', message: 'is required; add it (a non-empty string: The server\'s name)' });
  });

  test('fails when a required key is missing that has no schema of its own', () => {
    expect(check({ type: 'object', required: ['id'] }, {})).toEqual({ key: 'id', message: 'is required; add it (a value)' });
  });

  test('reports unknown keys before missing ones, and the first bad key in schema order', () => {
    expect(check(server, { nam: 'a' })?.key).toBe('nam');
    expect(check(server, { backup: 'no', name: 'a', port: 0 })?.key).toBe('port');
  });

  test('checks additional keys against additionalProperties when it is a schema', () => {
    const labels: JsonSchema = { type: 'object', additionalProperties: { type: 'string' } };
    expect(check(labels, { zone: 'a', rack: 'b' })).toBeUndefined();
    expect(check(labels, { zone: 'a', rack: 7 })).toEqual({ key: 'rack', message: 'expected a string, got number 7; write it in quotes: "7"' });
  });

  test('accepts any additional key when additionalProperties is not false', () => {
    expect(check({ type: 'object', properties: { a: { type: 'string' } } }, { a: 'x', b: 1 })).toBeUndefined();
  });

  test('checks every key against propertyNames, with its patternErrorMessage as the fix', () => {
    const services: JsonSchema = {
      type: 'object',
      propertyNames: { type: 'string', pattern: '^[a-z]+$', patternErrorMessage: 'use lowercase letters' },
      additionalProperties: { type: 'integer' },
    };
    expect(check(services, { web: 1, api: 2 })).toBeUndefined();
    expect(check(services, { web: 1, Api: 2 })).toEqual({ key: 'Api', message: 'the name "Api" is not allowed; use lowercase letters' });
  });

  test('checks the names of known keys against propertyNames too, as JSON Schema does', () => {
    const schema: JsonSchema = { type: 'object', properties: { A: { type: 'integer' } }, propertyNames: { type: 'string', pattern: '^[a-z]+$' } };
    expect(check(schema, { A: 1 })).toEqual({ key: 'A', message: 'the name "A" is not allowed; it must match ^[a-z]+$' });
  });

  test('names nested keys with dots and list entries with [i]', () => {
    const schema: JsonSchema = { type: 'object', properties: { pools: { type: 'array', items: server } } };
    expect(check(schema, { pools: [{ name: 'a' }, { name: 'b', port: 'http' }] })).toEqual({
      key: 'pools[1].port',
      message: 'expected a whole number (1 to 65535), got the string "http"',
    });
  });

  test('passes the key it is given down to the problems it finds', () => {
    expect(checkAgainstSchema(server, { name: 'a', port: 0 }, 'gateway.pools[0]')).toEqual({ key: 'gateway.pools[0].port', message: '0 is out of range; use 1 to 65535' });
  });
});

describe('checkAgainstSchema: lists', () => {
  const names: JsonSchema = { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, maxItems: 2 };

  test('accepts a list within its bounds', () => {
    expect(check(names, ['a'])).toBeUndefined();
    expect(check(names, ['a', 'b'])).toBeUndefined();
  });

  test('fails when a list has too few entries', () => {
    expect(check(names, [])).toEqual({ key: '', message: 'needs at least 1 entry; add one' });
    expect(check({ type: 'array', minItems: 2 }, ['CMD'])).toEqual({ key: '', message: 'needs at least 2 entries; add more' });
  });

  test('fails when a list has too many entries', () => {
    expect(check(names, ['a', 'b', 'c'])).toEqual({ key: '', message: 'has 3 entries; give at most 2' });
  });

  test('fails at the first bad entry', () => {
    expect(check(names, ['a', ''])).toEqual({ key: '[1]', message: 'expected a non-empty string, got the string ""' });
  });

  test('says what a list of lists or of mappings holds', () => {
    expect(describeSchema({ type: 'array', items: { type: 'array', items: { type: 'integer' } } })).toBe('a list of lists of whole numbers');
    expect(describeSchema({ type: 'array', items: server })).toBe('a list of mappings with name, port, weight, backup');
    expect(describeSchema({ type: 'array', items: { oneOf: [{ type: 'integer' }, { type: 'string' }] } })).toBe('a list, each a whole number or a string');
  });
});

describe('checkAgainstSchema: oneOf', () => {
  const local: JsonSchema = { type: 'object', properties: { kind: { type: 'string', const: 'local' }, socket: { type: 'string' } }, required: ['kind'], additionalProperties: false };
  const remote: JsonSchema = { type: 'object', properties: { kind: { type: 'string', const: 'remote' }, address: { type: 'string' } }, required: ['kind', 'address'], additionalProperties: false };
  const host: JsonSchema = { oneOf: [local, remote] };

  test('chooses the object option by its discriminating const (kind)', () => {
    expect(check(host, { kind: 'local' })).toBeUndefined();
    expect(check(host, { kind: 'remote', address: '192.0.2.1' })).toBeUndefined();
  });

  test('checks a value against the option its kind chooses, with that option\'s keys', () => {
    expect(check(host, { kind: 'local', address: '192.0.2.1' })).toEqual({ key: 'address', message: 'unknown key; the keys here are kind, socket (check the spelling)' });
    expect(check(host, { kind: 'remote' })).toEqual({ key: 'address', message: 'is required; add it (a string)' });
  });

  test('fails when the kind is none of the options, naming them', () => {
    expect(check(host, { kind: 'cloud' })).toEqual({ key: 'kind', message: 'must be one of local, remote, got the string "cloud"' });
  });

  test('fails when the kind is missing', () => {
    expect(check(host, { address: '192.0.2.1' })).toEqual({ key: 'kind', message: 'must be one of local, remote, got nothing' });
  });

  test('fails when a value of discriminated options is not a mapping, naming the kinds', () => {
    expect(check(host, 'local')).toEqual({ key: '', message: 'expected a mapping with kind local or remote, got the string "local"' });
  });

  const route: JsonSchema = {
    oneOf: [
      { type: 'string', minLength: 1, pattern: '^/', patternErrorMessage: 'start it with /' },
      { type: 'object', properties: { path: { type: 'string', pattern: '^/' }, exact: { type: 'boolean' } }, required: ['path'], additionalProperties: false },
    ],
  };

  test('chooses other options by the type of the value', () => {
    expect(check(route, '/api/')).toBeUndefined();
    expect(check(route, { path: '/ws/', exact: true })).toBeUndefined();
  });

  test('checks a value against the option of its type', () => {
    expect(check(route, 'api')).toEqual({ key: '', message: '"api" is not allowed; start it with /' });
    expect(check(route, { path: '/ws/', exact: 'yes' })).toEqual({ key: 'exact', message: 'expected true or false, got the string "yes"' });
  });

  test('fails when the value has the type of no option, naming every option', () => {
    expect(check(route, 8080)).toEqual({ key: '', message: 'expected a non-empty string or a mapping with path, exact, got number 8080' });
  });

  test('tells a whole number from a fraction when the options differ in it', () => {
    const workers: JsonSchema = { oneOf: [{ type: 'integer', minimum: 1 }, { type: 'string', enum: ['auto'] }] };
    expect(check(workers, 4)).toBeUndefined();
    expect(check(workers, 'auto')).toBeUndefined();
    expect(check(workers, 'many')).toEqual({ key: '', message: '"many" is not one of auto' });
    expect(check(workers, 1.5)).toEqual({ key: '', message: 'expected a whole number (at least 1) or one of auto, got number 1.5' });
  });
});
