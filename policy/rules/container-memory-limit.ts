import { IConstruct } from 'constructs';
import { isDockerContainer } from '../../constructs/identity';
import { Finding, PolicyRule, isReference, synthesizedAttributes } from '../rule';

/** Every container has a hard memory limit, so one leaking service cannot starve the host. */
export const containerMemoryLimit: PolicyRule = {
  id: 'container-memory-limit',
  level: 'error',
  description: 'Containers have a hard memory limit, so one leaking service cannot starve the others on its host.',
  check(node: IConstruct): Finding[] {
    if (!isDockerContainer(node)) return [];
    const memory = synthesizedAttributes(node).memory;
    if (isReference(memory) || (typeof memory === 'number' && memory > 0)) return [];
    return [{
      message: `container has no memory limit (memory ${JSON.stringify(memory ?? null)}): set memoryMiB on the ContainerService (or memory on the docker_container), e.g. 512`,
    }];
  },
};
