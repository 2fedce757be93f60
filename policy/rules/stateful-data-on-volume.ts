import { IConstruct } from 'constructs';
import { ContainerService } from '../../constructs/container-service';
import { DatabaseService } from '../../constructs/database-service';
import { isInstance } from '../../constructs/identity';
import { Finding, PolicyRule } from '../rule';

/** Images known to keep state, by repository name, with the directory their data lives in. */
export const STATEFUL_IMAGES: Readonly<Record<string, string>> = {
  mariadb: '/var/lib/mysql',
  mysql: '/var/lib/mysql',
  postgres: '/var/lib/postgresql/data',
  mongo: '/data/db',
  redis: '/data',
  elasticsearch: '/usr/share/elasticsearch/data',
  rabbitmq: '/var/lib/rabbitmq',
};

/** The repository name of an image reference: `registry:5000/team/mariadb:10.11` gives `mariadb`. */
function repositoryName(image: string): string {
  const withoutDigest = image.split('@')[0];
  const last = withoutDigest.slice(withoutDigest.lastIndexOf('/') + 1);
  return last.split(':')[0];
}

/**
 * Stateful services keep their data on a volume (host directory or named volume), never in the
 * container's writable layer, which a replacement of the container throws away.
 */
export const statefulDataOnVolume: PolicyRule = {
  id: 'stateful-data-on-volume',
  level: 'error',
  description: "Stateful services (databases, queues, caches) keep their data on a volume, not in the container's writable layer.",
  check(node: IConstruct): Finding[] {
    if (!isInstance(node, ContainerService, 'ContainerService')) return [];
    const dataDirectory = isInstance(node, DatabaseService, 'DatabaseService') ? node.dataDirectory : STATEFUL_IMAGES[repositoryName(node.image)];
    if (dataDirectory === undefined) return [];
    const mounts = [...node.hostVolumeMounts, ...node.namedVolumeMounts].filter((m) => !m.readOnly).map((m) => m.containerPath);
    const covered = mounts.some((p) => p === dataDirectory || dataDirectory.startsWith(`${p}/`));
    if (covered) return [];
    return [{
      message: `stateful service (image ${JSON.stringify(node.image)}) keeps its data directory ${JSON.stringify(dataDirectory)} in the container, which a replacement deletes: mount a volume there, e.g. addHostVolume('/opt/data/${node.node.id}', ${JSON.stringify(dataDirectory)})`,
    }];
  },
};
