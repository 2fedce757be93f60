import * as fs from 'fs';
import * as path from 'path';
import Ajv2020, { ErrorObject } from 'ajv/dist/2020';
import * as fc from 'fast-check';
import { parse } from 'yaml';
import { ENVIRONMENT_SCHEMA } from '../../../stacks/environment-schema';
import { DEFAULT_ENVIRONMENTS, STAGING } from '../../../stacks/environments';
import { checkAgainstSchema } from '../../../stacks/json-schema';

// The published schema (schema/environment.schema.json) against the standard: GIVEN the schema and a
// file WHEN Ajv (draft 2020-12, strict) and the library's own checker judge it THEN they agree.

// The generator is a plain Node script (npm run schema); its functions are used here as they are.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { generate, OUTPUT } = require('../../../scripts/gen-schema.js') as { generate: () => string; OUTPUT: string };

type Json = Record<string, any>;

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const published = JSON.parse(fs.readFileSync(path.join(repoRoot, OUTPUT), 'utf8'));

// Strict mode refuses unknown keywords, types that contradict keywords and required keys without a
// schema; patternErrorMessage is the editors' keyword (VS Code, YAML language server), declared as such.
const ajv = new Ajv2020({ strict: true, allErrors: true });
ajv.addKeyword('patternErrorMessage');
const validate = ajv.compile(published);

/** Where Ajv found problems in `value`, as the checker names keys (`hosts[0].kind`). */
function ajvKeys(value: unknown, errors: readonly ErrorObject[]): string[] {
  return errors.map((e) => {
    const params = e.params as Json;
    const extra = params.additionalProperty ?? params.missingProperty ?? params.propertyName;
    const segments = e.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~')).concat(extra === undefined ? [] : [String(extra)]);
    let at: any = value;
    let key = '';
    for (const s of segments) {
      key = Array.isArray(at) ? `${key}[${s}]` : key === '' ? s : `${key}.${s}`;
      at = at?.[s];
    }
    return key;
  });
}

/** Both verdicts on one value: Ajv's error locations (none: valid) and the checker's problem. */
function judge(value: unknown) {
  const valid = validate(value);
  return { ajv: valid ? [] : ajvKeys(value, validate.errors ?? []), ours: checkAgainstSchema(ENVIRONMENT_SCHEMA, value) };
}

const example = (name: string): Json => {
  const text = fs.readFileSync(path.join(repoRoot, 'examples', 'environments', name), 'utf8');
  return name.endsWith('.json') ? JSON.parse(text) : parse(text);
};

describe('schema/environment.schema.json', () => {
  test('is current: regenerate it with `npm run schema` when this fails', () => {
    // GIVEN the committed schema WHEN it is generated again from ENVIRONMENT_SCHEMA THEN nothing differs
    expect(fs.readFileSync(path.join(repoRoot, OUTPUT), 'utf8')).toBe(generate());
  });

  test('is a valid JSON Schema of draft 2020-12, with a stable $id', () => {
    expect(ajv.validateSchema(published)).toBe(true);
    expect(published.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(published.$id).toBe('urn:cdktf-kvm-microservices:schema:environment');
  });

  test('is published with the package', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
    expect(pkg.files).toContain(OUTPUT);
  });

  test('describes every key of an environment, so editors can explain it on hover', () => {
    const undescribed: string[] = [];
    const walk = (schema: Json, at: string): void => {
      for (const [key, s] of Object.entries((schema.properties ?? {}) as Record<string, Json>)) {
        if (s.description === undefined && s.oneOf === undefined && key !== 'enabled') undescribed.push(`${at}${key}`);
        walk(s, `${at}${key}.`);
      }
      if (typeof schema.additionalProperties === 'object') walk(schema.additionalProperties, `${at}*.`);
      for (const option of schema.oneOf ?? []) walk(option, at);
      if (schema.items !== undefined) walk(schema.items, `${at}[].`);
    };
    walk(published, '');
    expect(undescribed).toEqual([]);
  });

  test.each(DEFAULT_ENVIRONMENTS.map((c) => [c.name, c] as const))('accepts the default environment %s, as JSON, under Ajv and the checker', (_, config) => {
    expect(judge(JSON.parse(JSON.stringify(config)))).toEqual({ ajv: [], ours: undefined });
  });

  test.each(['qa.yaml', 'dev-local.json'])('accepts the example examples/environments/%s under Ajv and the checker', (name) => {
    expect(judge(example(name))).toEqual({ ajv: [], ours: undefined });
  });
});

describe('Ajv and the checker refuse the same bad files, at the same key', () => {
  const staging = (): Json => JSON.parse(JSON.stringify(STAGING));
  const BAD: [string, (c: Json) => void, string][] = [
    ['an unknown top-level key', (c) => { c.replica = 2; }, 'replica'],
    ['an unknown nested key', (c) => { c.services.storefront.memoryMb = 256; }, 'services.storefront.memoryMb'],
    ['a number as a string', (c) => { c.services.storefront.replicas = '2'; }, 'services.storefront.replicas'],
    ['a fraction', (c) => { c.services.storefront.replicas = 1.5; }, 'services.storefront.replicas'],
    ['a port out of range', (c) => { c.gateway.port = 70000; }, 'gateway.port'],
    ['a value not among the choices', (c) => { c.kvm.virtualization = 'xen'; }, 'kvm.virtualization'],
    ['a missing required key', (c) => { delete c.services.inventory.image; }, 'services.inventory.image'],
    ['a missing top-level key', (c) => { delete c.hosts; }, 'hosts'],
    ['a host of an unknown kind', (c) => { c.hosts[1].kind = 'ec2'; }, 'hosts[1].kind'],
    ['a host without a kind', (c) => { delete c.hosts[0].kind; }, 'hosts[0].kind'],
    ['a key of another host kind', (c) => { c.hosts[0].user = 'deploy'; }, 'hosts[0].user'],
    ['a route as a number', (c) => { c.services.storefront.routes = [8080]; }, 'services.storefront.routes[0]'],
    ['a route without a leading /', (c) => { c.services.storefront.routes = ['shop']; }, 'services.storefront.routes[0]'],
    ['a service name that is no DNS label', (c) => { c.services.Shop_Front = c.services.storefront; }, 'services.Shop_Front'],
    ['a secret that names no Terraform variable', (c) => { c.services.storefront.secrets = { TOKEN: 'Api-Token' }; }, 'services.storefront.secrets.TOKEN'],
    ['an environment value as a number', (c) => { c.services.storefront.environment.PORT = 8080; }, 'services.storefront.environment.PORT'],
    ['an unknown sysctl key', (c) => { c.sysctl = { 'net.core.somaxcon': 1 }; }, 'sysctl.net.core.somaxcon'],
    ['a backend without its keys', (c) => { c.backend = { kind: 's3' }; }, 'backend.bucket'],
    ['an empty list of hosts', (c) => { c.hosts = []; }, 'hosts'],
    ['a country that is no ISO code', (c) => { c.residency.allowed = ['Norway']; }, 'residency.allowed[0]'],
    ['a list instead of a mapping', (c) => { c.gateway = []; }, 'gateway'],
  ];

  test.each(BAD)('%s', (_, change, key) => {
    const config = staging();
    change(config);

    const { ajv: keys, ours } = judge(config);

    expect(ours?.key).toBe(key);
    expect(keys).toContain(key);
  });

  test('a file of the 0.1.0 shape fails under both', () => {
    const { ajv: keys, ours } = judge({ name: 'qa', hosting: { kind: 'local' }, storefront: {}, inventory: {}, database: {}, gateway: {} });

    expect(ours?.key).toBe('hosting');
    expect(keys).toEqual(expect.arrayContaining(['hosting', 'storefront', 'inventory', 'database', 'hosts', 'services']));
  });
});

describe('Ajv and the checker agree on any change to a valid environment', () => {
  // Fixed seeds keep the runs deterministic; a failure prints its counterexample and the seed.
  const RUNS = { seed: 20261201, numRuns: 600 };

  /** Every place in a value: [path of keys and indexes, the value there]. */
  function places(value: unknown, at: (string | number)[] = []): (string | number)[][] {
    if (Array.isArray(value)) return [at, ...value.flatMap((v, i) => places(v, [...at, i]))];
    if (typeof value === 'object' && value !== null) return [at, ...Object.entries(value).flatMap(([k, v]) => places(v, [...at, k]))];
    return [at];
  }

  const bases = [...DEFAULT_ENVIRONMENTS.map((c) => JSON.parse(JSON.stringify(c)) as Json), example('qa.yaml'), example('dev-local.json')];
  const change = fc.record({
    base: fc.nat({ max: bases.length - 1 }),
    place: fc.nat(),
    action: fc.oneof(
      fc.record({ kind: fc.constant('replace' as const), value: fc.jsonValue({ maxDepth: 2 }) }),
      fc.record({ kind: fc.constant('delete' as const) }),
      fc.record({ kind: fc.constant('add' as const), key: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('kind', 'name', 'port', 'image', 'routes')), value: fc.jsonValue({ maxDepth: 1 }) }),
    ),
  });

  test('both accept, or both refuse and the checker\'s key is one Ajv names', () => {
    let refused = 0;
    fc.assert(
      fc.property(change, ({ base, place, action }) => {
        const config = JSON.parse(JSON.stringify(bases[base]));
        const all = places(config);
        const at = all[place % all.length];
        const parent = at.slice(0, -1).reduce((v: any, k) => v[k], config);
        const last = at[at.length - 1];
        const target = at.reduce((v: any, k) => v[k], config);
        let value: unknown = config;
        if (action.kind === 'replace') {
          if (at.length === 0) value = action.value;
          else parent[last] = action.value;
        } else if (action.kind === 'delete') {
          if (at.length === 0) return;
          if (Array.isArray(parent)) parent.splice(Number(last), 1);
          else delete parent[last];
        } else {
          if (typeof target !== 'object' || target === null || Array.isArray(target)) return;
          Object.defineProperty(target, action.key, { value: action.value, enumerable: true, writable: true, configurable: true });
        }
        // Through JSON, as a file gives it (a replaced value may hold -0 or a key __proto__)
        const { ajv: keys, ours } = judge(JSON.parse(JSON.stringify(value) ?? 'null'));
        if (ours !== undefined) refused++;
        expect(keys.length === 0).toBe(ours === undefined);
        if (ours !== undefined) expect(keys).toContain(ours.key);
      }),
      RUNS,
    );
    // Most changes break the file; enough must not, or the agreement on valid files means nothing.
    expect(refused).toBeGreaterThan(RUNS.numRuns / 4);
    expect(refused).toBeLessThan(RUNS.numRuns);
  });
});
