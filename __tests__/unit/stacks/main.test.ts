import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { DEV, STAGING } from '../../../stacks/environments';

type Json = Record<string, any>;

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kvms-main-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * Runs main.ts as `npm run synth` does (it synthesizes when loaded), with `files` in
 * KVMS_ENVIRONMENT_FILES and the output in a fresh directory; returns that directory.
 */
function runMain(files: string | undefined): string {
  const outdir = fs.mkdtempSync(path.join(dir, 'out-'));
  const saved = { files: process.env.KVMS_ENVIRONMENT_FILES, outdir: process.env.CDKTF_OUTDIR };
  process.env.CDKTF_OUTDIR = outdir;
  if (files === undefined) delete process.env.KVMS_ENVIRONMENT_FILES;
  else process.env.KVMS_ENVIRONMENT_FILES = files;
  try {
    jest.isolateModules(() => {
      require('../../../main');
    });
  } finally {
    for (const [key, value] of [['KVMS_ENVIRONMENT_FILES', saved.files], ['CDKTF_OUTDIR', saved.outdir]] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
  return outdir;
}

function stackNames(outdir: string): string[] {
  return Object.keys(JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8')).stacks).sort();
}

function stackJson(outdir: string, name: string): Json {
  return JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', name, 'cdk.tf.json'), 'utf8'));
}

function containerNames(json: Json): string[] {
  return Object.values(json.resource.docker_container as Record<string, Json>).map((c) => c.name).sort();
}

describe('main.ts', () => {
  test('without KVMS_ENVIRONMENT_FILES it writes the three default stacks', () => {
    expect(stackNames(runMain(undefined))).toEqual(['dev', 'prod', 'staging']);
  });

  test('a file replaces the default environment of its name and another adds a new one', () => {
    // GIVEN a staging file with three storefront replicas and a qa file on the local engine
    const staging = path.join(dir, 'staging.yaml');
    fs.writeFileSync(staging, stringify({ ...STAGING, storefront: { ...STAGING.storefront, replicas: 3 } }));
    const qa = path.join(dir, 'qa.json');
    fs.writeFileSync(
      qa,
      JSON.stringify({
        name: 'qa',
        hosting: { kind: 'local' },
        storefront: { image: 'kvms/app:1.0', replicas: 1, containerPort: 8080, memoryMiB: 128, cpus: 0.5 },
        inventory: { image: 'kvms/app:1.0', replicas: 1, containerPort: 5000, memoryMiB: 128, cpus: 0.5 },
        database: { image: 'kvms/mariadb:10.11', hostPath: '/opt/data/qa/mysql', memoryMiB: 512 },
        gateway: { image: 'kvms/nginx:1.22', hostPort: 8081, hostAddress: '127.0.0.1', serverNames: ['shop.qa.example.no'] },
      }),
    );

    // WHEN main runs with both (spaces around the comma are allowed)
    const outdir = runMain(`${staging} , ${qa}`);

    // THEN dev and prod are the defaults, staging is the file's, and qa is new
    expect(stackNames(outdir)).toEqual(['dev', 'prod', 'qa', 'staging']);
    expect(containerNames(stackJson(outdir, 'staging')).filter((n) => n.includes('storefront'))).toEqual([
      'staging-services-storefront-1',
      'staging-services-storefront-2',
      'staging-services-storefront-3',
    ]);
    const qaJson = stackJson(outdir, 'qa');
    expect(containerNames(qaJson)).toEqual(['qa-services-db', 'qa-services-gateway', 'qa-services-inventory-1', 'qa-services-storefront-1']);
    expect(qaJson.terraform.backend).toEqual({ local: { path: '../../../terraform.qa.tfstate' } });
    expect(qaJson.output.gateway_url.value).toBe('http://127.0.0.1:8081');
  });

  test('fails when a listed file is invalid, naming the file and the key', () => {
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify({ ...STAGING, replica: 2 }));

    expect(() => runMain(bad)).toThrow(
      new Error('environment file bad.json: replica: unknown key; the keys here are name, hosting, storefront, inventory, database, gateway, sysctl, residency, backend (check the spelling)'),
    );
  });

  test('fails when two files define the same environment, naming both', () => {
    const one = path.join(dir, 'one.json');
    const two = path.join(dir, 'two.json');
    fs.writeFileSync(one, JSON.stringify({ ...DEV, name: 'qa' }));
    fs.writeFileSync(two, JSON.stringify({ ...DEV, name: 'qa' }));

    expect(() => runMain(`${one},${two}`)).toThrow(
      new Error(`environment files ${one} and ${two} both define the environment "qa"; rename one of them`),
    );
  });
});
