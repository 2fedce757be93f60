import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdktf';
import { applyPolicy } from '../../../policy';
import { loadEnvironmentFile } from '../../../stacks/environment-file';
import { EnvironmentStack } from '../../../stacks/environment-stack';

// The environment files a user copies (examples/environments/): GIVEN each file WHEN it is loaded,
// built as an EnvironmentStack under the policy and synthesized with validations THEN the hosts,
// replicas and routes are the ones the file describes, and the policy finds nothing to fix.

type Json = Record<string, any>;

const examples = path.resolve(__dirname, '..', '..', '..', 'examples', 'environments');

function synthExample(name: string) {
  const config = loadEnvironmentFile(path.join(examples, name));
  const stack = new EnvironmentStack(Testing.app(), config);
  const pack = applyPolicy(stack);
  const json = JSON.parse(Testing.synth(stack, true)) as Json;
  const warnings = stack.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === '@cdktf/warn').map((m) => `${c.node.path}: ${m.data}`));
  return { config, stack, json, errors: pack.check(stack).filter((f) => f.level === 'error' && f.suppressedBy === undefined), warnings };
}

/** Docker containers by name, without the version suffix of start-first replicas. */
function containers(json: Json): Record<string, Json> {
  return Object.fromEntries(Object.values(json.resource.docker_container as Record<string, Json>).map((c) => [String(c.name).replace(/-\$\{local\.[^}]+\}$/, ''), c]));
}

/** How many replicas (containers named <env>-services-<service>-<n>) each of `services` has. */
function replicaCounts(json: Json, env: string, services: readonly string[]): Record<string, number> {
  const names = Object.keys(containers(json));
  return Object.fromEntries(services.map((s) => [s, names.filter((n) => new RegExp(`^${env}-services-${s}-\\d+$`).test(n)).length]));
}

/** The gateway's nginx.conf: each location with the upstream it proxies to. */
function gatewayRoutes(json: Json, env: string): Record<string, string> {
  const conf: string = containers(json)[`${env}-services-gateway-config`].upload[0].content;
  return Object.fromEntries([...conf.matchAll(/location (\S+) \{\s*proxy_pass http:\/\/(\w+);/g)].map((m) => [m[1], m[2]]));
}

describe('examples/environments/qa.yaml', () => {
  const { config, json, errors, warnings } = synthExample('qa.yaml');

  test('starts with the schema for the YAML language server', () => {
    expect(fs.readFileSync(path.join(examples, 'qa.yaml'), 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=../../schema/environment.schema.json');
  });

  test('creates two KVM hosts on two hypervisors and tunes the existing VPS over SSH', () => {
    expect(json.provider.libvirt).toEqual([{ uri: 'qemu+ssh://ops@hv1.example.de/system' }, { alias: 'app_hv2', uri: 'qemu+ssh://ops@hv2.example.de/system' }]);
    const domains = Object.values(json.resource.libvirt_domain as Record<string, Json>).map((d) => [d.name, d.provider]);
    expect(domains).toEqual([['qa-1', 'libvirt'], ['qa-2', 'libvirt.app_hv2']]);
    expect(json.provider.docker.map((d: Json) => d.host)).toEqual(['ssh://admin@192.168.150.11', 'ssh://admin@192.168.150.12', 'ssh://deploy@203.0.113.10']);
    expect(Object.keys(json.resource.null_resource).filter((k) => k.includes('vps-1_tuning'))).toHaveLength(1);
    expect(json.output.host_addresses.value).toEqual({ 'qa-1': '192.168.150.11', 'qa-2': '192.168.150.12', 'vps-1': '10.8.0.10' });
  });

  test('runs each service with its replicas where its placement allows', () => {
    expect(replicaCounts(json, 'qa', Object.keys(config.services))).toEqual({ web: 2, api: 3, worker: 1 });
    expect(json.output.placement.value).toEqual({ web: ['qa-2', 'vps-1'], api: ['qa-1', 'qa-2', 'qa-1'], worker: ['qa-1'] });
  });

  test('keeps the database on the data disk of qa-1, reached by alias there and by address from qa-2', () => {
    const all = containers(json);
    expect(all['qa-services-db'].volumes).toEqual([{ container_path: '/var/lib/mysql', host_path: '/srv/data/mysql' }]);
    expect(Object.values(json.resource.libvirt_volume as Record<string, Json>).map((v) => v.name)).toContain('qa-1-data.qcow2');
    expect(all['qa-services-api-1'].env).toContain('DB_HOST=db');
    expect(all['qa-services-api-2'].env).toContain('DB_HOST=192.168.150.11');
    expect(all['qa-services-api-1'].env).toContain('PAYMENT_API_TOKEN=${var.payment_api_token}');
    expect(json.variable.payment_api_token.sensitive).toBe(true);
  });

  test('routes /, /api/ and /ws/ through the gateway on qa-1, /ws/ with a long read timeout', () => {
    expect(gatewayRoutes(json, 'qa')).toEqual({ '/': 'web', '/api/': 'api', '/ws/': 'api' });
    const conf: string = containers(json)['qa-services-gateway-config'].upload[0].content;
    expect(conf).toMatch(/location \/ws\/ \{[^}]*proxy_read_timeout 3600s;/);
    expect(conf).toContain('server_name tix.qa.example.de;');
    expect(containers(json)['qa-services-gateway'].ports).toEqual([{ external: 80, internal: 80, ip: '0.0.0.0', protocol: 'tcp' }]);
  });

  test('passes the policy (the public gateway is suppressed with its reason), and warns only of the replicas the file puts on one host', () => {
    expect(errors).toEqual([]);
    expect(warnings).toEqual([
      'qa/app: services.api: 3 replicas on 2 eligible hosts (qa-1, qa-2): some replicas share a host, so losing that host takes more than one of them; add hosts, or lower replicas to 2',
    ]);
  });
});

describe('examples/environments/dev-local.json', () => {
  const { config, json, errors, warnings } = synthExample('dev-local.json');

  test('starts with $schema, which the loader drops', () => {
    expect(JSON.parse(fs.readFileSync(path.join(examples, 'dev-local.json'), 'utf8')).$schema).toBe('../../schema/environment.schema.json');
    expect(Object.keys(config)).not.toContain('$schema');
  });

  test('runs everything on the local Docker engine', () => {
    expect(json.resource.libvirt_domain).toBeUndefined();
    expect(json.provider.docker).toHaveLength(1);
    expect(replicaCounts(json, 'dev-local', Object.keys(config.services))).toEqual({ web: 1, api: 2, worker: 1 });
    expect(containers(json)['dev-local-services-db'].volumes).toEqual([{ container_path: '/var/lib/mysql', host_path: '/opt/data/dev-local/mysql' }]);
  });

  test('routes /, /api/ and /ws/ through the gateway on 127.0.0.1:8081', () => {
    expect(gatewayRoutes(json, 'dev-local')).toEqual({ '/': 'web', '/api/': 'api', '/ws/': 'api' });
    expect(json.output.gateway_url.value).toBe('http://127.0.0.1:8081');
  });

  test('passes the policy, and warns only that two api replicas share the one host', () => {
    expect(errors).toEqual([]);
    expect(warnings).toEqual([
      'dev-local/app: services.api: 2 replicas on 1 eligible host (local): some replicas share a host, so losing that host takes more than one of them; add hosts, or lower replicas to 1',
    ]);
  });
});
