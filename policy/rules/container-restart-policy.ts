import { IConstruct } from 'constructs';
import { isDockerContainer } from '../../constructs/identity';
import { Finding, PolicyRule, isReference, synthesizedAttributes } from '../rule';

const RESTARTING = ['unless-stopped', 'always', 'on-failure'];

/**
 * Every container restarts after a crash or a reboot of its host (Docker's default is `no`), except a
 * one-shot job (`attach` and not `must_run`, see `ContainerJob`): it runs to completion on apply and is
 * meant to stay exited.
 */
export const containerRestartPolicy: PolicyRule = {
  id: 'container-restart-policy',
  level: 'error',
  description: "Containers restart after a crash or a host reboot; Docker's default restart policy is 'no'.",
  check(node: IConstruct): Finding[] {
    if (!isDockerContainer(node)) return [];
    const attributes = synthesizedAttributes(node);
    if (attributes.attach === true && attributes.must_run === false) return [];
    const restart = attributes.restart;
    if (isReference(restart) || (typeof restart === 'string' && RESTARTING.includes(restart))) return [];
    return [{
      message: `container restart policy ${JSON.stringify(restart ?? 'no')} leaves it down after a crash or reboot: set restart to 'unless-stopped' (the ContainerService default)`,
    }];
  },
};
