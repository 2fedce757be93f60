import { IConstruct } from 'constructs';
import { isDockerContainer } from '../../constructs/identity';
import { Finding, PolicyRule, synthesizedAttributes } from '../rule';

// Drivers that keep logs off the host's disk, or rotate by themselves (`local` rotates at 100 MB).
const SELF_LIMITING = ['local', 'journald', 'syslog', 'none', 'fluentd', 'gelf', 'awslogs', 'splunk', 'gcplogs'];

/** Container logs rotate, so a chatty service cannot fill the host's disk. */
export const containerLogRotation: PolicyRule = {
  id: 'container-log-rotation',
  level: 'error',
  description: "Container logs rotate (json-file with max-size and max-file), so a chatty service cannot fill the host's disk.",
  check(node: IConstruct): Finding[] {
    if (!isDockerContainer(node)) return [];
    const attrs = synthesizedAttributes(node);
    const driver = typeof attrs.log_driver === 'string' ? attrs.log_driver : 'json-file';
    if (SELF_LIMITING.includes(driver) || driver.includes('${')) return [];
    const opts = (attrs.log_opts ?? {}) as Record<string, unknown>;
    const missing = ['max-size', 'max-file'].filter((k) => typeof opts[k] !== 'string' || opts[k] === '');
    if (missing.length === 0) return [];
    return [{
      message: `container logs with driver '${driver}' do not rotate (log_opts lack ${missing.join(' and ')}): set logMaxSizeMiB and logMaxFiles on the ContainerService, or log_opts { max-size = "10m", max-file = "3" }`,
    }];
  },
};
