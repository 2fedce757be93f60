import * as fs from 'fs';
import * as path from 'path';
import { App, TerraformStack, Testing } from 'cdktf';
import { IConstruct } from 'constructs';
import { ContainerService } from '../../../constructs/container-service';
import { NginxGateway } from '../../../constructs/nginx-gateway';
import { POLICY_REPORT_FILE, PolicyRule, Redundancy, Suppressions, applyPolicy } from '../../../policy';
import { EnvironmentStack } from '../../../stacks/environment-stack';
import { DEFAULT_ENVIRONMENTS } from '../../../stacks/environments';
import { annotations, dockerStack, kvmHost } from './helpers';
import { previousOutdir, snapshotDir } from './outdir';

/** A stack `name` with one web service; `publicPort` publishes it on 0.0.0.0 (a port-not-public error). */
function webStack(app: App, name: string, publicPort = false): ContainerService {
  const { network } = dockerStack(name, app);
  return network.addService('web', { image: 'app:1.0', ports: [{ containerPort: 80, hostAddress: publicPort ? '0.0.0.0' : '127.0.0.1' }] });
}

const REASON = 'the gateway is the public entry point of the shop';

describe('applyPolicy', () => {
  let dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    dirs = [];
    delete process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS;
  });

  function appIn(): { app: App; outdir: string } {
    const { root, outdir } = previousOutdir();
    dirs.push(root);
    return { app: new App({ outdir }), outdir };
  }

  test('turns error findings into error annotations carrying the rule id', () => {
    const app = Testing.app();
    const web = webStack(app, 'dev', true);
    applyPolicy(app);
    expect(() => Testing.synth(TerraformStack.of(web))).not.toThrow();
    expect(annotations(web.container).errors).toEqual([
      "[port-not-public] port 80/tcp is published on 0.0.0.0: publish it on 127.0.0.1 or one private address (hostAddress), or suppress 'port-not-public' on this construct with the reason it must be public",
    ]);
  });

  test('turns warning findings into warning annotations', () => {
    const app = Testing.app();
    const web = webStack(app, 'dev');
    const everyService: PolicyRule = {
      id: 'test-every-service',
      level: 'warning',
      description: 'Warns about every ContainerService, to test warnings.',
      check: (node: IConstruct) => (node instanceof ContainerService ? [{ message: 'a test warning' }] : []),
    };
    applyPolicy(app, { rules: [everyService] });
    Testing.synth(TerraformStack.of(web), true);
    expect(annotations(web)).toEqual({ errors: [], warnings: ['[test-every-service] a test warning'] });
  });

  test('fails the synth of a stack with an error, through the validation Testing.synth runs', () => {
    const app = Testing.app();
    const web = webStack(app, 'dev', true);
    const stack = TerraformStack.of(web);
    applyPolicy(stack);
    expect(() => Testing.synth(stack, true)).toThrow('[dev/services/web/container] [port-not-public] port 80/tcp is published on 0.0.0.0');
  });

  test('fails app.synth() before any stack is written when a later stack has an error, leaving cdktf.out untouched', () => {
    const { app, outdir } = appIn();
    const before = snapshotDir(outdir);
    webStack(app, 'dev');
    webStack(app, 'prod', true);
    applyPolicy(app);
    expect(() => app.synth()).toThrow('[prod/services/web/container] [port-not-public]');
    expect(snapshotDir(outdir)).toEqual(before);
  });

  test('fails the synth even where error annotations are only printed (cdktf synth sets CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS)', () => {
    process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS = 'true';
    const { app, outdir } = appIn();
    const before = snapshotDir(outdir);
    webStack(app, 'prod', true);
    applyPolicy(app);
    expect(() => app.synth()).toThrow('[port-not-public]');
    expect(snapshotDir(outdir)).toEqual(before);
  });

  test("stops the synth when another stack's construct validation fails, before the first stack is written", () => {
    const { app, outdir } = appIn();
    const before = snapshotDir(outdir);
    webStack(app, 'dev');
    const { network } = dockerStack('prod', app);
    network.node.addValidation({ validate: () => ['a cross-object check failed'] });
    applyPolicy(app);
    expect(() => app.synth()).toThrow('Validation failed with the following errors:\n  [prod/services] a cross-object check failed\n');
    expect(snapshotDir(outdir)).toEqual(before);
  });

  test('writes policy-report.json beside the stacks on success, listing each suppression and what it suppressed', () => {
    const { app, outdir } = appIn();
    webStack(app, 'dev');
    const prodWeb = webStack(app, 'prod', true);
    Suppressions.of(prodWeb).add('port-not-public', REASON);
    applyPolicy(app);
    app.synth();
    expect(fs.existsSync(path.join(outdir, 'stacks', 'prod', 'cdk.tf.json'))).toBe(true);
    const report = JSON.parse(fs.readFileSync(path.join(outdir, POLICY_REPORT_FILE), 'utf8'));
    expect(report.stacks).toEqual(['dev', 'prod']);
    expect(report.rules.map((r: { id: string }) => r.id)).toContain('port-not-public');
    expect(report.suppressions).toEqual([
      {
        constructPath: 'prod/services/web',
        ruleId: 'port-not-public',
        reason: REASON,
        suppressedFindings: [
          {
            constructPath: 'prod/services/web/container',
            message: "port 80/tcp is published on 0.0.0.0: publish it on 127.0.0.1 or one private address (hostAddress), or suppress 'port-not-public' on this construct with the reason it must be public",
          },
        ],
      },
    ]);
    expect(report.warnings).toEqual([]);
  });

  /** A stack `name` whose gateway routes `/` to a pool of one server. */
  function singleServerGateway(app: App, name: string): TerraformStack {
    const { stack, network } = dockerStack(name, app);
    new NginxGateway(network, 'gateway', { network, pools: [{ name: 'p', servers: [{ host: '10.0.0.2', port: 80 }] }], routes: [{ path: '/', pool: 'p' }] });
    return stack;
  }

  test('requires two servers per pool where the environment declares redundancy, whatever its name', () => {
    // GIVEN environments named qa and live, one declaring redundancy, and none named staging or prod
    for (const [env, required] of [['qa', false], ['live', true]] as const) {
      const stack = singleServerGateway(Testing.app(), env);
      if (required) Redundancy.of(stack).require('customers reach the shop through it');
      applyPolicy(stack);
      const synth = () => Testing.synth(stack, true);
      // THEN only the declared one fails, with the reason it gave
      if (required) {
        expect(synth).toThrow(
          "[live/services/gateway] [gateway-redundant-pool] route '/' reaches pool 'p' with 1 primary server, a single point of failure in 'live', which requires redundancy (customers reach the shop through it): add a second server",
        );
      } else expect(synth).not.toThrow();
    }
  });

  test('judges no environment by its name: staging and prod are unchecked unless they declare redundancy or are listed', () => {
    const app = Testing.app();
    const stacks = ['staging', 'prod'].map((name) => singleServerGateway(app, name));
    const pack = applyPolicy(app);
    expect(stacks.flatMap((s) => pack.check(s)).filter((f) => f.ruleId === 'gateway-redundant-pool')).toEqual([]);
  });

  test('still takes redundantEnvironments by stack name when given explicitly', () => {
    const stack = singleServerGateway(Testing.app(), 'staging');
    applyPolicy(stack, { redundantEnvironments: ['staging'] });
    expect(() => Testing.synth(stack, true)).toThrow("[staging/services/gateway] [gateway-redundant-pool] route '/' reaches pool 'p' with 1 primary server, a single point of failure in 'staging': add");
  });

  test('labels every error with its own stack and path, whichever stack is validated first', () => {
    // GIVEN three stacks where the second and the third have an error each
    const { app, outdir } = appIn();
    const before = snapshotDir(outdir);
    webStack(app, 'c');
    const staging = singleServerGateway(app, 'staging');
    Redundancy.of(staging).require();
    webStack(app, 'prod', true);
    applyPolicy(app);
    // WHEN the app synthesizes (stack c is validated first) THEN each error names its own stack, none says [c]
    expect(() => app.synth()).toThrow(
      [
        'Validation failed with the following errors:',
        "  [staging/services/gateway] [gateway-redundant-pool] route '/' reaches pool 'p' with 1 primary server, a single point of failure in 'staging': add a second server (another replica, ideally on another host) to the pool",
        "  [prod/services/web/container] [port-not-public] port 80/tcp is published on 0.0.0.0: publish it on 127.0.0.1 or one private address (hostAddress), or suppress 'port-not-public' on this construct with the reason it must be public",
        '',
      ].join('\n'),
    );
    expect(snapshotDir(outdir)).toEqual(before);
  });

  test('takes allowed jurisdictions by environment name', () => {
    const { stack } = dockerStack('prod');
    kvmHost(stack);
    applyPolicy(stack, { allowedJurisdictions: { prod: ['NO'] } });
    expect(() => Testing.synth(stack, true)).toThrow("[prod/host] [data-residency] host has no declared jurisdiction, but environment 'prod' allows hosts only in 'NO'");
  });

  test('refuses an allowed jurisdiction that is no country code', () => {
    const { stack } = dockerStack('prod');
    expect(() => applyPolicy(stack, { allowedJurisdictions: { prod: ['XX'] } })).toThrow(
      'policy allowedJurisdictions.prod "XX" is not an assigned ISO 3166-1 alpha-2 country code; use the code of the country, e.g. \'NO\' for Norway',
    );
    expect(() => applyPolicy(dockerStack('prod').stack, { allowedJurisdictions: { prod: ['no'] } })).toThrow(
      'policy allowedJurisdictions.prod "no" must be an ISO 3166-1 alpha-2 country code in capitals, e.g. \'NO\' for Norway',
    );
  });

  test('over a whole app, refuses an environment name that is no stack of it (a typo checks nothing)', () => {
    const app = Testing.app();
    singleServerGateway(app, 'staging');
    singleServerGateway(app, 'prod');
    expect(() => applyPolicy(app, { redundantEnvironments: ['prdo'] })).toThrow(
      'policy redundantEnvironments names environment "prdo", which is no stack of this app, so nothing is checked for it: use one of "staging", "prod"',
    );
  });

  test('over a whole app, refuses allowed jurisdictions for an environment that is no stack of it', () => {
    const app = Testing.app();
    singleServerGateway(app, 'prod');
    expect(() => applyPolicy(app, { allowedJurisdictions: { live: ['NO'] } })).toThrow(
      'policy allowedJurisdictions names environment "live", which is no stack of this app, so nothing is checked for it: use one of "prod"',
    );
  });

  test('fails when applied twice to a stack', () => {
    const { stack } = dockerStack();
    applyPolicy(stack);
    expect(() => applyPolicy(stack)).toThrow('TerraformStack [dev]: the policy is already applied to this stack; call applyPolicy once');
  });

  test('fails when two rules share an id', () => {
    const { stack } = dockerStack();
    const rule: PolicyRule = { id: 'twice', level: 'error', description: 'A rule listed twice, to test the guard.', check: () => [] };
    expect(() => applyPolicy(stack, { rules: [rule, rule] })).toThrow("policy rule id 'twice' is used by two rules; give every rule its own id");
  });

  test('fails when a rule has a level other than error or warning (a JavaScript rule)', () => {
    const { stack } = dockerStack();
    const rule = { id: 'loud', level: 'fatal', description: 'A rule with an unknown level, to test the guard.', check: () => [] } as unknown as PolicyRule;
    expect(() => applyPolicy(stack, { rules: [rule] })).toThrow('policy rule \'loud\' level "fatal" must be one of "error", "warning"');
  });

  test('fails when a rule has no check function', () => {
    const { stack } = dockerStack();
    const rule = { id: 'empty', level: 'error', description: 'A rule without a check, to test the guard.' } as unknown as PolicyRule;
    expect(() => applyPolicy(stack, { rules: [rule] })).toThrow("policy rule 'empty' has no check function; give it check(node, context) returning its findings");
  });

  test('fails when there is no stack to apply it to', () => {
    expect(() => applyPolicy(Testing.app())).toThrow('App []: applyPolicy found no stack here; call it after the stacks are created, just before app.synth()');
  });
});

describe('applyPolicy on the default environments', () => {
  test('finds nothing unsuppressed in the real stacks: the public gateways are suppressed with a reason', () => {
    const app = Testing.app();
    for (const config of DEFAULT_ENVIRONMENTS) new EnvironmentStack(app, config);
    const pack = applyPolicy(app);
    const stacks = app.node.children.filter((c): c is EnvironmentStack => c instanceof EnvironmentStack);
    const findings = stacks.flatMap((s) => pack.check(s)).filter((f) => f.level === 'error');
    expect(findings.filter((f) => f.suppressedBy === undefined)).toEqual([]);
    // the one finding is the public port of staging's and prod's gateways, suppressed by the stack
    expect(findings.map((f) => `${f.constructPath} ${f.ruleId}`)).toEqual(
      stacks.filter((s) => s.config.gateway?.address === '0.0.0.0').map((s) => `${s.node.id}/app/gateway/service/container port-not-public`),
    );
  });

  test('the synth of the default environments succeeds and the report lists the stacks\' suppressions', () => {
    const root = previousOutdir();
    try {
      const app = new App({ outdir: root.outdir });
      for (const config of DEFAULT_ENVIRONMENTS) new EnvironmentStack(app, config);
      const publicGateways = DEFAULT_ENVIRONMENTS.filter((e) => e.gateway?.address === '0.0.0.0');
      expect(publicGateways.length).toBeGreaterThan(0);
      applyPolicy(app);
      app.synth();
      const report = JSON.parse(fs.readFileSync(path.join(root.outdir, POLICY_REPORT_FILE), 'utf8'));
      expect(report.suppressions.map((s: { constructPath: string }) => s.constructPath)).toEqual(publicGateways.map((e) => `${e.name}/app/gateway`));
    } finally {
      fs.rmSync(root.root, { recursive: true, force: true });
    }
  });

  test('fails when a suppression path names no construct', () => {
    const { app } = dockerStack();
    expect(() => applyPolicy(app, { suppressions: [{ path: 'dev/gatewey', ruleId: 'port-not-public', reason: REASON }] })).toThrow(
      "App []: suppression of 'port-not-public' names path \"dev/gatewey\", which is no construct here; use a path such as 'prod/gateway' (stack name, then construct ids)",
    );
  });
});
