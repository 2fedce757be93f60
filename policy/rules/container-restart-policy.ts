import { IConstruct } from 'constructs';
import { isDockerContainer } from '../../constructs/identity';
import { Finding, PolicyRule, isReference, synthesizedAttributes } from '../rule';

const RESTARTING = ['unless-stopped', 'always', 'on-failure'];

/** Every container restarts after a crash or a reboot of its host (Docker's default is `no`). */
export const containerRestartPolicy: PolicyRule = {
  id: 'container-restart-policy',
  level: 'error',
  description: "Containers restart after a crash or a host reboot; Docker's default restart policy is 'no'.",
  check(node: IConstruct): Finding[] {
    if (!isDockerContainer(node)) return [];
    const restart = synthesizedAttributes(node).restart;
    if (isReference(restart) || (typeof restart === 'string' && RESTARTING.includes(restart))) return [];
    return [{
      message: `container restart policy ${JSON.stringify(restart ?? 'no')} leaves it down after a crash or reboot: set restart to 'unless-stopped' (the ContainerService default)`,
    }];
  },
};
