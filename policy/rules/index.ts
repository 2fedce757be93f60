import { PolicyRule } from '../rule';
import { containerLogRotation } from './container-log-rotation';
import { containerMemoryLimit } from './container-memory-limit';
import { containerNoHostNetwork } from './container-no-host-network';
import { containerNotPrivileged } from './container-not-privileged';
import { containerPinnedImage } from './container-pinned-image';
import { containerRestartPolicy } from './container-restart-policy';
import { dataResidency } from './data-residency';
import { gatewayRedundantPool } from './gateway-redundant-pool';
import { hostSysctlProfile } from './host-sysctl-profile';
import { noSecretLiteral } from './no-secret-literal';
import { portNotPublic } from './port-not-public';
import { statefulDataOnVolume } from './stateful-data-on-volume';

export * from './container-log-rotation';
export * from './container-memory-limit';
export * from './container-no-host-network';
export * from './container-not-privileged';
export * from './container-pinned-image';
export * from './container-restart-policy';
export * from './data-residency';
export * from './gateway-redundant-pool';
export * from './host-sysctl-profile';
export * from './no-secret-literal';
export * from './port-not-public';
export * from './stateful-data-on-volume';

/** Every rule of the pack, in report order. */
export const ALL_RULES: readonly PolicyRule[] = [
  containerMemoryLimit,
  containerRestartPolicy,
  containerLogRotation,
  containerPinnedImage,
  containerNotPrivileged,
  containerNoHostNetwork,
  statefulDataOnVolume,
  portNotPublic,
  noSecretLiteral,
  hostSysctlProfile,
  gatewayRedundantPool,
  dataResidency,
];
