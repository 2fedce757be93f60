import * as fc from 'fast-check';
import { parse } from 'yaml';
import { CloudInitConfig, tuningScript } from '../../../renderers/cloud-init';
import { InvalidInputError } from '../../../renderers/invalid-input';
import { renderNginxConfig, resolveRoutes } from '../../../renderers/nginx-config';
import { shellCommand, shellQuote } from '../../../renderers/shell';
import { SysctlProfile } from '../../../renderers/sysctl-profile';
import { sampleGateways } from '../../fixtures/gateway-models';
import { DANGEROUS, INVISIBLE, NON_ASCII_LETTERS, NginxDirective, gatewayModelArb, parseNginx, parseShellWords, stringFrom, userString } from '../../fixtures/properties';

// Fixed seeds keep the runs deterministic; a failure prints its counterexample and the seed.
const RUNS = { seed: 20261128, numRuns: 400 };

/** Runs `render`; an `InvalidInputError` means the input was refused (fine), anything else is a bug. */
function renderedOrRefused<T>(render: () => T): T | undefined {
  try {
    return render();
  } catch (e) {
    if (e instanceof InvalidInputError) return undefined;
    throw e;
  }
}

describe('nginx.conf: user strings never leave their value', () => {
  // Every directive and block, except the entries of `map` blocks (their keys are values, not directives).
  const walk = (ds: NginxDirective[]): NginxDirective[] => ds.flatMap((d) => [d, ...(d.name === 'map' ? [] : walk(d.block ?? []))]);
  // Every directive the renderer writes for the hand-written samples (TLS, rate limits, gzip...).
  const samples = Object.values(sampleGateways).map((m) => renderNginxConfig(m));
  const VOCABULARY = new Set(samples.flatMap((text) => walk(parseNginx(text).directives).map((d) => d.name)));
  const commentLines = (text: string) => text.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('#'));
  const COMMENTS = new Set(samples.flatMap(commentLines));

  test('a model is refused, or every pool, server, route, server name, header and origin comes back as exactly its own token', () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(gatewayModelArb, (model) => {
        const text = renderedOrRefused(() => renderNginxConfig(model));
        if (text === undefined) {
          refused++;
          return;
        }
        accepted++;
        const { directives, comments } = parseNginx(text);
        // Only the renderer's own whole-line comments: a `#` in a value would start a new one.
        expect(comments).toBe(commentLines(text).length);
        expect(commentLines(text).every((c) => COMMENTS.has(c))).toBe(true);
        expect(walk(directives).every((d) => VOCABULARY.has(d.name))).toBe(true);

        const http = directives.find((d) => d.name === 'http')!.block!;
        const upstreams = http.filter((d) => d.name === 'upstream');
        expect(upstreams.map((u) => u.args)).toEqual(model.pools.map((p) => [p.name]));
        upstreams.forEach((u, i) => {
          const servers = u.block!.filter((d) => d.name === 'server').map((d) => d.args[0]);
          expect(servers).toEqual(model.pools[i].servers.map((s) => `${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port}`));
        });

        const servers = http.filter((d) => d.name === 'server');
        expect(servers).toHaveLength(1);
        const server = servers[0].block!;
        expect(server.find((d) => d.name === 'server_name')!.args).toEqual(model.serverNames ?? ['_']);
        const locations = server.filter((d) => d.name === 'location' && !d.args[0].startsWith('@'));
        const routes = resolveRoutes(model);
        expect(locations.map((l) => l.args)).toEqual(routes.map((r) => (r.exact ? ['=', r.path] : [r.location])));
        locations.forEach((l, i) => {
          expect(l.block!.find((d) => d.name === 'proxy_pass')!.args).toEqual([`http://${routes[i].pool}${routes[i].stripPrefix ? '/' : ''}`]);
          // Each header comes back as exactly its name and value, as one directive of its own.
          const route = model.routes[i];
          const added = l.block!.filter((d) => d.name === 'add_header').map((d) => d.args);
          for (const [name, value] of Object.entries(route.responseHeaders ?? {})) expect(added).toContainEqual([name, value]);
          const set = l.block!.filter((d) => d.name === 'proxy_set_header').map((d) => d.args);
          for (const [name, value] of Object.entries(route.requestHeaders ?? {})) expect(set).toContainEqual([name, value]);
        });
        // Each allowed origin is one map entry of its own.
        const origins = http.filter((d) => d.name === 'map' && d.args[0] === '$http_origin').flatMap((m) => m.block!.map((d) => d.name));
        for (const route of model.routes) for (const origin of route.cors?.allowOrigins ?? []) expect(origins).toContain(origin);
      }),
      RUNS,
    );
    // Both outcomes happen, so the property says something about each.
    expect(accepted).toBeGreaterThan(20);
    expect(refused).toBeGreaterThan(20);
  });
});

// Public key made with ssh-keygen for these tests (the private half was discarded).
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIZKr13k7dY5Fz+G+pbLiadrE85vh8FM2F0M3FgpPUYx';
const PRINTABLE = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i));

/** The user-data inputs a user sets: admin user, SSH key comments, host name, extra sysctl values. */
const cloudInitArb = fc.record({
  adminUser: userString(['a', 'd', 'm', 'i', 'n', '_', '-', '0', '9']),
  comments: fc.array(
    fc.oneof(stringFrom([...PRINTABLE, ...NON_ASCII_LETTERS], 20, 0), stringFrom([...PRINTABLE, ...NON_ASCII_LETTERS, ...INVISIBLE, '\n', '\t'], 8)),
    { minLength: 1, maxLength: 2 },
  ),
  hostname: fc.option(userString(['k', 'v', 'm', '-', '1', '.']), { nil: undefined }),
  extraValue: fc.oneof(stringFrom(PRINTABLE.filter((c) => c !== ' '), 10), stringFrom([...PRINTABLE, '\n'], 10)),
});

describe('cloud-init user-data: values round-trip through YAML', () => {
  test('the input is refused, or parsing the user-data gives back every value and no other key', () => {
    let accepted = 0;
    fc.assert(
      fc.property(cloudInitArb, (input) => {
        const keys = input.comments.map((c) => (c === '' ? KEY : `${KEY} ${c}`));
        const config = renderedOrRefused(() => {
          const profile = new SysctlProfile({ extra: { 'kernel.pid_max': input.extraValue } });
          return new CloudInitConfig({ adminUser: input.adminUser, sshAuthorizedKeys: keys, hostname: input.hostname, profile });
        });
        if (config === undefined) return;
        accepted++;
        const text = config.renderUserData();
        expect(text.startsWith('#cloud-config\n')).toBe(true);
        // PyYAML, which cloud-init uses, reads YAML 1.1.
        const doc = parse(text, { version: '1.1' });
        // The whole document comes back as the model it was rendered from: no value added a key or lost a character.
        expect(doc).toEqual(config.userDataModel());
        expect(doc.users[0].name).toBe(input.adminUser);
        expect(doc.users[0].ssh_authorized_keys).toEqual(keys);
        // Comments in any language pass; none that hides characters or spans lines does.
        for (const comment of input.comments) expect(comment).not.toMatch(/[\p{C}\p{Zl}\p{Zp}]/u);
        expect(doc.write_files[0]).toEqual({ path: config.profile.filePath, owner: 'root:root', permissions: '0644', content: config.profile.render() });
        expect(config.profile.render()).toContain(`kernel.pid_max = ${input.extraValue}\n`);
        expect(doc.runcmd).toContain(shellCommand('usermod', '-aG', 'docker', input.adminUser));
        const meta = parse(config.renderMetaData(), { version: '1.1' });
        expect(meta['local-hostname']).toBe(input.hostname);
      }),
      RUNS,
    );
    expect(accepted).toBeGreaterThan(20);
  });
});

describe('shell quoting: every value is one word, exactly as given', () => {
  const valueArb = fc.oneof(
    stringFrom(['a', 'Z', '0', '/', '.', '-', ...DANGEROUS, '\0'], 16, 0),
    fc.string({ unit: 'binary', maxLength: 16 }),
  );

  test('shellQuote gives one word that a POSIX shell reads back as the value, or refuses a NUL byte', () => {
    fc.assert(
      fc.property(valueArb, (value) => {
        const quoted = renderedOrRefused(() => shellQuote(value));
        if (quoted === undefined) {
          expect(value).toContain('\0');
          return;
        }
        expect(parseShellWords(quoted)).toEqual({ words: [value], end: quoted.length });
      }),
      RUNS,
    );
  });

  test('shellCommand splits back into exactly its words', () => {
    fc.assert(
      fc.property(fc.array(valueArb.filter((v) => !v.includes('\0')), { minLength: 1, maxLength: 5 }), (words) => {
        const line = shellCommand(...words);
        expect(parseShellWords(line).words).toEqual(words);
      }),
      RUNS,
    );
  });

  test('the tuning script passes the sysctl file to put_file as one word, whatever the extra values hold', () => {
    fc.assert(
      fc.property(stringFrom(PRINTABLE.filter((c) => c !== ' '), 12), (value) => {
        const profile = renderedOrRefused(() => new SysctlProfile({ extra: { 'kernel.pid_max': value } }));
        if (profile === undefined) return;
        const script = tuningScript({ profile });
        const start = script.indexOf(`put_file ${profile.filePath} `);
        expect(start).toBeGreaterThan(0);
        expect(parseShellWords(script, start).words).toEqual(['put_file', profile.filePath, '0644', profile.render()]);
      }),
      RUNS,
    );
  });
});
