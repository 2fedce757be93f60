import { IConstruct } from 'constructs';
import { isDockerProvider } from '../../constructs/identity';
import { KvmHost } from '../../constructs/kvm-host';
import { TunedServer } from '../../constructs/tuned-server';
import { Jurisdiction } from '../jurisdiction';
import { Finding, PolicyContext, PolicyRule } from '../rule';

/**
 * Data residency: when an environment declares the jurisdictions its hosts must be in (the article's
 * Norwegian Personopplysningsloven case), every host must declare one of them. A host declared
 * elsewhere, or not declared at all, is an error: an unknown location cannot be shown to comply. Hosts
 * are KVM hosts, tuned servers and Docker engines reached over SSH.
 */
export const dataResidency: PolicyRule = {
  id: 'data-residency',
  level: 'error',
  description: 'Hosts of an environment that declares allowed jurisdictions are declared in one of them.',
  check(node: IConstruct, context: PolicyContext): Finding[] {
    // A Docker engine reached over SSH is a machine somewhere too; a local socket is the machine running OpenTofu.
    const remoteDocker = isDockerProvider(node) && typeof node.host === 'string' && node.host.startsWith('ssh://');
    if (!KvmHost.isKvmHost(node) && !TunedServer.isTunedServer(node) && !remoteDocker) return [];
    const allowed = Jurisdiction.of(node).allowed ?? context.allowedJurisdictions;
    if (allowed === undefined) return [];
    const declared = Jurisdiction.of(node).declared;
    const list = allowed.map((c) => `'${c}'`).join(', ');
    if (declared === undefined) {
      return [{
        message: `host has no declared jurisdiction, but environment '${context.environment}' allows hosts only in ${list}: declare where it is with Jurisdiction.of(host).set('${allowed[0]}') (or on its stack)`,
      }];
    }
    if (allowed.includes(declared)) return [];
    return [{
      message: `host is declared in '${declared}', but environment '${context.environment}' allows hosts only in ${list}: move the host to a hypervisor in ${list}, or change the environment's allowed jurisdictions if the law allows it`,
    }];
  },
};
