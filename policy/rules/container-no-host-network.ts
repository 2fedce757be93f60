import { IConstruct } from 'constructs';
import { isDockerContainer } from '../../constructs/identity';
import { Finding, PolicyRule, synthesizedAttributes } from '../rule';

/** No container shares its host's network namespace (it would bypass the service network and port publishing). */
export const containerNoHostNetwork: PolicyRule = {
  id: 'container-no-host-network',
  level: 'error',
  description: "Containers do not use the host's network: it bypasses the service network, its aliases and port publishing.",
  check(node: IConstruct): Finding[] {
    if (!isDockerContainer(node)) return [];
    const mode = synthesizedAttributes(node).network_mode;
    if (mode !== 'host') return [];
    return [{
      message: "container uses network_mode 'host', so every port it opens is open on the host and it leaves the service network: remove network_mode and join a ServiceNetwork, publishing only the ports it needs",
    }];
  },
};
