import { TerraformStack, Testing } from 'cdktf';
import { MIN_REASON_LENGTH, PolicyPack, Suppressions, applyPolicy } from '../../../policy';
import { annotations, dockerStack } from './helpers';

const REASON = 'the gateway is the public entry point of the shop';

function publicService() {
  const { stack, network } = dockerStack('prod');
  const web = network.addService('web', { image: 'app:1.0', ports: [{ containerPort: 80, hostAddress: '0.0.0.0' }] });
  return { stack, web };
}

describe('Suppressions', () => {
  test('a suppression with a reason covers the construct and everything under it', () => {
    const { stack, web } = publicService();
    expect(Suppressions.of(web).add('port-not-public', `  ${REASON} `)).toEqual({ ruleId: 'port-not-public', reason: REASON });
    const pack = new PolicyPack();
    expect(pack.check(stack).filter((f) => f.ruleId === 'port-not-public')).toEqual([
      expect.objectContaining({ constructPath: 'prod/services/web/container', suppressedBy: { constructPath: 'prod/services/web', reason: REASON } }),
    ]);
    expect(annotations(web.container).errors).toEqual([]);
    expect(() => { applyPolicy(stack); Testing.synth(stack, true); }).not.toThrow();
  });

  test('a suppression on the stack covers every construct of the stack', () => {
    const { stack, web } = publicService();
    Suppressions.of(stack).add('port-not-public', REASON);
    expect(new PolicyPack().check(stack).find((f) => f.ruleId === 'port-not-public')?.suppressedBy?.constructPath).toBe('prod');
    expect(annotations(web.container).errors).toEqual([]);
  });

  test('fails when the reason is too short', () => {
    const { web } = publicService();
    expect(MIN_REASON_LENGTH).toBe(20);
    expect(() => Suppressions.of(web).add('port-not-public', 'needed')).toThrow(
      "ContainerService [prod/services/web]: suppression of 'port-not-public' has reason \"needed\" (6 characters); write at least 20 characters saying why the finding is acceptable here",
    );
  });

  test('fails when the reason is only padding', () => {
    const { web } = publicService();
    expect(() => Suppressions.of(web).add('port-not-public', ' '.repeat(30))).toThrow("has reason \"                              \" (0 characters)");
  });

  test('fails when a rule is suppressed twice on one construct', () => {
    const { web } = publicService();
    Suppressions.of(web).add('port-not-public', REASON);
    expect(() => Suppressions.of(web).add('port-not-public', `${REASON}, again`)).toThrow(
      "ContainerService [prod/services/web]: rule 'port-not-public' is already suppressed here; give one suppression per rule with the whole reason",
    );
  });

  test('fails when the rule id is not an id', () => {
    const { web } = publicService();
    expect(() => Suppressions.of(web).add('Port Not Public', REASON)).toThrow(
      "ContainerService [prod/services/web]: suppression rule id \"Port Not Public\" is not a rule id; use the id shown in brackets in the finding, e.g. 'port-not-public'",
    );
  });

  test('fails the synth on a suppression of a rule the pack does not have', () => {
    const { stack, web } = publicService();
    Suppressions.of(web).add('port-not-public', REASON);
    Suppressions.of(web).add('port-not-publik', REASON);
    applyPolicy(stack);
    expect(() => Testing.synth(stack, true)).toThrow("[prod/services/web] [suppression] suppresses unknown rule 'port-not-publik': use one of container-memory-limit,");
  });

  test('warns about a suppression that suppresses nothing', () => {
    const { stack, network } = dockerStack('prod');
    const web = network.addService('web', { image: 'app:1.0' });
    Suppressions.of(web).add('container-not-privileged', 'the image needs raw sockets for ping checks');
    applyPolicy(stack);
    Testing.synth(stack as TerraformStack, true);
    expect(annotations(web).warnings).toEqual([
      "[suppression] suppresses 'container-not-privileged', but nothing here or below has that finding: remove the suppression",
    ]);
  });
});
