import { createHash } from 'crypto';
import { Container, ContainerConfig } from '@cdktf/provider-docker/lib/container';
import { Network } from '@cdktf/provider-docker/lib/network';
import { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { Construct } from 'constructs';
import { containerFingerprint, templateExpressions } from '../../../constructs/container-fingerprint';

// The identity of a container's content: what a change must roll out as a new container.

function stack(): TerraformStack {
  const s = new TerraformStack(Testing.app(), 'dev');
  new DockerProvider(s, 'docker', {});
  return s;
}

/** The fingerprint of a bare container made with `config` in a new stack. */
function fingerprintOf(config: Partial<ContainerConfig> = {}, sensitive: string[] = []): string {
  const c = new Container(stack(), 'web', { name: 'dev-web', image: 'shop:1.0', ...config });
  return containerFingerprint(c, sensitive);
}

describe('containerFingerprint', () => {
  test('is 8 hex digits of the sha256 of the attributes when everything is known at synth', () => {
    const fingerprint = fingerprintOf({ command: ['php-fpm', '-F'], env: ['APP_ENV=production'] });
    expect(fingerprint).toMatch(/^[0-9a-f]{8}$/);
    // the hash of the sorted attributes, without the name and the other in-place ones
    const expected = createHash('sha256')
      .update(JSON.stringify({ command: ['php-fpm', '-F'], env: ['APP_ENV=production'], image: 'shop:1.0' }))
      .digest('hex')
      .slice(0, 8);
    expect(fingerprint).toBe(expected);
  });

  test('is the same for the same content, in another stack and under another name', () => {
    expect(fingerprintOf({ name: 'other-name' })).toBe(fingerprintOf());
  });

  test('is the same at another construct path (the content is what counts, not where the construct sits)', () => {
    const s = new TerraformStack(Testing.app(), 'prod');
    new DockerProvider(s, 'docker', {});
    const moved = new Container(new Construct(s, 'app'), 'frontend', { name: 'dev-web', image: 'shop:1.0' });
    expect(containerFingerprint(moved, [])).toBe(fingerprintOf());
  });

  test.each([
    ['memory', { memory: 1024, memorySwap: 2048 }],
    ['restart policy', { restart: 'always' }],
    ['CPU shares', { cpuShares: 512 }],
    ['labels', { labels: [{ label: 'x', value: 'y' }] }],
    ['wait and its timeout', { wait: true, waitTimeout: 90 }],
    ['destroy grace', { destroyGraceSeconds: 60 }],
    ['depends_on', { dependsOn: [] }],
  ] as [string, Partial<ContainerConfig>][])('does not change with an in-place attribute: %s', (_what, config) => {
    expect(fingerprintOf(config)).toBe(fingerprintOf());
  });

  test.each([
    ['the image', { image: 'shop:1.1' }],
    ['the environment', { env: ['APP_ENV=staging'] }],
    ['the command', { command: ['php-fpm'] }],
    ['the healthcheck (the provider does not update it in place)', { healthcheck: { test: ['CMD', 'true'] } }],
    ['the CPU quota (the provider does not update it in place)', { cpuQuota: 50000 }],
    ['an upload', { upload: [{ file: '/etc/app.conf', content: 'a' }] }],
    ['the stop timeout', { stopTimeout: 30 }],
  ] as [string, Partial<ContainerConfig>][])('changes with %s', (_what, config) => {
    expect(fingerprintOf(config)).not.toBe(fingerprintOf());
  });

  test('a value known only at apply enters as a Terraform expression, beside the hash of the rest', () => {
    const s = stack();
    const network = new Network(s, 'net', { name: 'dev-services' });
    const c = new Container(s, 'web', { name: 'dev-web', image: 'shop:1.0', networksAdvanced: [{ name: network.name }] });
    expect(containerFingerprint(c, [])).toMatch(/^\$\{substr\(sha256\(join\("\|", \["[0-9a-f]{64}", docker_network\.net\.name\]\)\), 0, 8\)\}$/);
  });

  test('a sensitive variable makes it a nonsensitive() expression: a truncated hash shows nothing of the value', () => {
    const s = stack();
    const password = new TerraformVariable(s, 'db_password', { type: 'string', sensitive: true });
    const c = new Container(s, 'web', { name: 'dev-web', image: 'shop:1.0', env: [`DB_PASSWORD=${password.stringValue}`] });
    const fingerprint = containerFingerprint(c, ['db_password']);
    expect(fingerprint).toMatch(/^\$\{nonsensitive\(substr\(sha256\(join\("\|", \["[0-9a-f]{64}", var\.db_password\]\)\), 0, 8\)\)\}$/);
  });

  test('a variable that is not among the sensitive ones stays a plain expression, even when its name starts like one', () => {
    const s = stack();
    const region = new TerraformVariable(s, 'db_password_hint', { type: 'string' });
    const c = new Container(s, 'web', { name: 'dev-web', image: 'shop:1.0', env: [`HINT=${region.stringValue}`] });
    expect(containerFingerprint(c, ['db_password'])).toMatch(/^\$\{substr\(sha256\(join\("\|", \["[0-9a-f]{64}", var\.db_password_hint\]\)\), 0, 8\)\}$/);
  });

  test('each expression enters once, in sorted order, and the literal text around them is in the static hash', () => {
    const s = stack();
    const b = new TerraformVariable(s, 'b', { type: 'string' });
    const a = new TerraformVariable(s, 'a', { type: 'string' });
    const make = (id: string, prefix: string) =>
      new Container(s, id, { name: id, image: 'shop:1.0', env: [`${prefix}B=${b.stringValue}`, `A=${a.stringValue}`, `B2=${b.stringValue}`] });
    const one = containerFingerprint(make('one', ''), []);
    const two = containerFingerprint(make('two', 'X'), []);
    expect(one).toMatch(/^\$\{substr\(sha256\(join\("\|", \["[0-9a-f]{64}", var\.a, var\.b\]\)\), 0, 8\)\}$/);
    expect(two.replace(/[0-9a-f]{64}/, '')).toBe(one.replace(/[0-9a-f]{64}/, ''));
    expect(two).not.toBe(one);
  });

  test('text escaped for Terraform ($${...}) is literal, not an expression', () => {
    expect(fingerprintOf({ command: ['sh', '-c', 'echo $${HOME}'] })).toMatch(/^[0-9a-f]{8}$/);
  });
});

describe('templateExpressions', () => {
  test('finds each ${...} interpolation of a JSON text', () => {
    expect(templateExpressions(JSON.stringify({ a: 'x-${local.v}', b: ['${var.p}', 'y'] }))).toEqual(['local.v', 'var.p']);
  });

  test('skips $${...}, Terraform\'s escape of a literal ${', () => {
    expect(templateExpressions(JSON.stringify({ a: 'echo $${HOME} ${var.p}' }))).toEqual(['var.p']);
  });

  test('keeps nested braces and unescapes JSON quotes inside an expression', () => {
    expect(templateExpressions(JSON.stringify({ a: '${jsonencode({ k = "v" })}' }))).toEqual(['jsonencode({ k = "v" })']);
  });

  test('finds nothing in literal text', () => {
    expect(templateExpressions(JSON.stringify({ a: 'no $ {interpolation} here', b: '$' }))).toEqual([]);
  });
});
