import { IConstruct } from 'constructs';
import { isDockerContainer } from '../../constructs/identity';
import { Finding, PolicyRule, isReference, synthesizedAttributes } from '../rule';

const EVERY_INTERFACE = ['0.0.0.0', '::', '[::]', ''];

/** No port is published on every interface of the host unless a suppression says why it must be public. */
export const portNotPublic: PolicyRule = {
  id: 'port-not-public',
  level: 'error',
  description: 'No port is published on 0.0.0.0 (every interface of the host) without a suppression that says why it must be public.',
  check(node: IConstruct): Finding[] {
    if (!isDockerContainer(node)) return [];
    const ports = synthesizedAttributes(node).ports;
    if (!Array.isArray(ports)) return [];
    const findings: Finding[] = [];
    for (const port of ports as Record<string, unknown>[]) {
      const ip = port.ip;
      if (isReference(ip)) continue;
      // Docker publishes on every interface when no address is given.
      if (ip === undefined || (typeof ip === 'string' && EVERY_INTERFACE.includes(ip))) {
        const external = port.external ?? port.internal;
        findings.push({
          message: `port ${String(external)}/${String(port.protocol ?? 'tcp')} is published on ${ip === undefined || ip === '' ? 'every interface (no address)' : ip}: publish it on 127.0.0.1 or one private address (hostAddress), or suppress 'port-not-public' on this construct with the reason it must be public`,
        });
      }
    }
    return findings;
  },
};
