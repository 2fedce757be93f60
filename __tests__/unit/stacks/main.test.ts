import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { EnvironmentConfig } from '../../../stacks/environment-config';
import { EnvironmentFileError, loadEnvironments } from '../../../stacks/environment-file';
import { DEFAULT_ENVIRONMENTS, DEV, PROD, STAGING } from '../../../stacks/environments';

type Json = Record<string, any>;

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kvms-main-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Sets KVMS_ENVIRONMENT_FILES (undefined: unset) while `run` runs, then restores it. */
function withFilesVariable<T>(files: string | undefined, run: () => T): T {
  const saved = process.env.KVMS_ENVIRONMENT_FILES;
  if (files === undefined) delete process.env.KVMS_ENVIRONMENT_FILES;
  else process.env.KVMS_ENVIRONMENT_FILES = files;
  try {
    return run();
  } finally {
    if (saved === undefined) delete process.env.KVMS_ENVIRONMENT_FILES;
    else process.env.KVMS_ENVIRONMENT_FILES = saved;
  }
}

/**
 * Runs main.ts as `npm run synth` does (it synthesizes when loaded), with `files` in
 * KVMS_ENVIRONMENT_FILES and the output in a fresh directory; returns that directory.
 */
function runMain(files: string | undefined): string {
  const outdir = fs.mkdtempSync(path.join(dir, 'out-'));
  const savedOutdir = process.env.CDKTF_OUTDIR;
  process.env.CDKTF_OUTDIR = outdir;
  try {
    withFilesVariable(files, () => jest.isolateModules(() => {
      require('../../../main');
    }));
  } finally {
    if (savedOutdir === undefined) delete process.env.CDKTF_OUTDIR;
    else process.env.CDKTF_OUTDIR = savedOutdir;
  }
  return outdir;
}

function stackNames(outdir: string): string[] {
  return Object.keys(JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8')).stacks).sort();
}

function stackJson(outdir: string, name: string): Json {
  return JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', name, 'cdk.tf.json'), 'utf8'));
}

/** Docker container names, without the version suffix of start-first replicas. */
function containerNames(json: Json): string[] {
  return Object.values(json.resource.docker_container as Record<string, Json>).map((c) => String(c.name).replace(/-\$\{local\.[^}]+\}$/, '')).sort();
}

/** Writes `content` to `name` in the temp dir (YAML for .yaml, else JSON) and returns its path. */
function writeEnvironment(name: string, content: unknown): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, name.endsWith('.yaml') ? stringify(content) : JSON.stringify(content, null, 2));
  return file;
}

/** A default environment as a file holds it: a deep, mutable copy without undefined values. */
const copy = (config: EnvironmentConfig): Json => JSON.parse(JSON.stringify(config));

// A small environment on the local engine: one service and the gateway on a port of its own.
const QA = {
  name: 'qa',
  hosts: [{ name: 'local', kind: 'local' }],
  services: { web: { image: 'kvms/app:1.0', port: 8080, routes: ['/'], healthcheck: { command: ['CMD', '/app', 'healthcheck'] } } },
  gateway: { image: 'kvms/nginx:1.30', port: 8081, serverNames: ['tix.qa.example.de'] },
};

describe('main.ts', () => {
  test('without KVMS_ENVIRONMENT_FILES it writes the three default stacks', () => {
    expect(stackNames(runMain(undefined))).toEqual(['dev', 'prod', 'staging']);
  });

  test('a file replaces the default environment of its name and another adds a new one', () => {
    // GIVEN a staging file with three storefront replicas and a qa file on the local engine
    const staging = copy(STAGING);
    staging.services.storefront.replicas = 3;
    const stagingFile = writeEnvironment('staging.yaml', staging);
    const qaFile = writeEnvironment('qa.json', QA);

    // WHEN main runs with both (spaces around the comma and an empty entry are allowed)
    const outdir = runMain(` ${stagingFile} , ${qaFile},`);

    // THEN dev and prod are the defaults, staging is the file's, and qa is new
    expect(stackNames(outdir)).toEqual(['dev', 'prod', 'qa', 'staging']);
    expect(containerNames(stackJson(outdir, 'staging')).filter((n) => n.includes('storefront'))).toEqual([
      'staging-services-storefront-1',
      'staging-services-storefront-2',
      'staging-services-storefront-3',
    ]);
    const qa = stackJson(outdir, 'qa');
    expect(containerNames(qa)).toEqual(['qa-services-gateway', 'qa-services-gateway-config', 'qa-services-web-1']);
    expect(qa.terraform.backend).toEqual({ local: { path: '../../../terraform.qa.tfstate' } });
    expect(qa.output.gateway_url.value).toBe('http://127.0.0.1:8081');
  });

  test('synthesizes the example of the README: KVMS_ENVIRONMENT_FILES=examples/environments/qa.yaml', () => {
    const outdir = runMain(path.relative(process.cwd(), path.resolve(__dirname, '..', '..', '..', 'examples', 'environments', 'qa.yaml')));

    expect(stackNames(outdir)).toEqual(['dev', 'prod', 'qa', 'staging']);
    expect(Object.values(stackJson(outdir, 'qa').resource.libvirt_domain as Record<string, Json>).map((d) => d.name)).toEqual(['qa-1', 'qa-2']);
  });

  test('fails when a listed file is invalid, naming the file and the key', () => {
    const bad = writeEnvironment('bad.json', { ...QA, replica: 2 });

    expect(() => runMain(bad)).toThrow(
      new Error('environment file bad.json: replica: unknown key; the keys here are name, tier, hypervisors, kvm, hosts, services, databases, gateway, sysctl, crossHost, backend, residency (check the spelling)'),
    );
  });

  test('fails when two files define the same environment, naming both', () => {
    const one = writeEnvironment('one.json', QA);
    const two = writeEnvironment('two.yaml', QA);

    expect(() => runMain(`${one},${two}`)).toThrow(
      new Error('environment file two.yaml: name: "qa" is also the name in one.json; one file per environment: rename one of them, or drop one from the list'),
    );
  });
});

describe('loadEnvironments', () => {
  test('gives the defaults when there are no files', () => {
    expect(loadEnvironments({ defaults: DEFAULT_ENVIRONMENTS, files: [] })).toEqual([DEV, STAGING, PROD]);
  });

  test('gives nothing without defaults and files', () => {
    expect(withFilesVariable(undefined, () => loadEnvironments())).toEqual([]);
  });

  test('a file replaces the default of its name, in the default\'s place', () => {
    const staging = { ...copy(STAGING), tier: 'production' };
    const file = writeEnvironment('replace/staging.json', staging);

    expect(loadEnvironments({ defaults: DEFAULT_ENVIRONMENTS, files: [file] })).toEqual([DEV, staging, PROD]);
  });

  test('files of new environments follow the defaults, in the order listed', () => {
    const b = writeEnvironment('added/b.yaml', { ...QA, name: 'qa-b' });
    const a = writeEnvironment('added/a.json', { ...QA, name: 'qa-a' });

    expect(loadEnvironments({ defaults: [DEV], files: [b, a] }).map((c) => c.name)).toEqual(['dev', 'qa-b', 'qa-a']);
  });

  test('reads KVMS_ENVIRONMENT_FILES when files is not given, skipping whitespace and empty entries', () => {
    const file = writeEnvironment('variable/qa.json', QA);

    const loaded = withFilesVariable(` ,, ${file} ,`, () => loadEnvironments({ defaults: [DEV] }));

    expect(loaded).toEqual([DEV, QA]);
  });

  test('ignores KVMS_ENVIRONMENT_FILES when files is given, even empty', () => {
    const file = writeEnvironment('ignored/qa.json', QA);

    expect(withFilesVariable(file, () => loadEnvironments({ defaults: [DEV], files: [] }))).toEqual([DEV]);
  });

  test('skips whitespace and empty entries of files too', () => {
    const file = writeEnvironment('entries/qa.json', QA);

    expect(loadEnvironments({ files: ['', `  ${file}  `, ' '] })).toEqual([QA]);
  });

  test('fails when two files define one environment, naming both by their base names', () => {
    const one = writeEnvironment('twice/qa.json', QA);
    const two = writeEnvironment('twice/qa-copy.yaml', QA);

    expect(() => loadEnvironments({ files: [one, two] })).toThrow(
      new EnvironmentFileError('qa-copy.yaml', 'name', '"qa" is also the name in qa.json; one file per environment: rename one of them, or drop one from the list'),
    );
  });

  test('fails when two files of one base name define one environment, naming both by their paths', () => {
    const one = writeEnvironment('team-a/qa.json', QA);
    const two = writeEnvironment('team-b/qa.json', QA);

    expect(() => loadEnvironments({ files: [one, two] })).toThrow(
      new Error(`environment file ${two}: name: "qa" is also the name in ${one}; one file per environment: rename one of them, or drop one from the list`),
    );
  });

  test('fails when one file is listed twice', () => {
    const file = writeEnvironment('listed-twice/qa.json', QA);

    expect(() => loadEnvironments({ files: [file, `${path.dirname(file)}/./qa.json`] })).toThrow(new EnvironmentFileError('qa.json', '', 'is listed twice; list each environment file once'));
  });

  test('fails with the error of a listed file that cannot be loaded', () => {
    const missing = path.join(dir, 'nowhere', 'qa.yaml');

    expect(() => withFilesVariable(missing, () => loadEnvironments({ defaults: [DEV] }))).toThrow(
      new Error(`environment file qa.yaml: cannot be read (no such file); check the path ${JSON.stringify(missing)}`),
    );
  });
});
