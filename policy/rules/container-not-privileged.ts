import { IConstruct } from 'constructs';
import { isDockerContainer } from '../../constructs/identity';
import { Finding, PolicyRule, synthesizedAttributes } from '../rule';

/** No container runs privileged: a privileged container is root on its host. */
export const containerNotPrivileged: PolicyRule = {
  id: 'container-not-privileged',
  level: 'error',
  description: 'Containers do not run privileged: a privileged container has every capability and every device of its host.',
  check(node: IConstruct): Finding[] {
    if (!isDockerContainer(node)) return [];
    const privileged = synthesizedAttributes(node).privileged;
    if (privileged !== true && privileged !== 'true') return [];
    return [{
      message: 'container runs privileged (privileged = true), which makes it root on its host: remove privileged and add only the capabilities it needs (addCapabilities), or suppress with the reason',
    }];
  },
};
