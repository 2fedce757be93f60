import { IConstruct } from 'constructs';
import { isInstance } from '../../constructs/identity';
import { NginxGateway } from '../../constructs/nginx-gateway';
import { Finding, PolicyContext, PolicyRule } from '../rule';

/** How many primary servers a pool behind a route needs where single points of failure are not allowed. */
export const MIN_POOL_SERVERS = 2;

/**
 * In environments that require redundancy (`Redundancy.of(stack).require()`), every gateway route
 * reaches a pool of at least two primary (non-backup) servers, as the article's failover needs.
 */
export const gatewayRedundantPool: PolicyRule = {
  id: 'gateway-redundant-pool',
  level: 'error',
  description: 'Where an environment requires redundancy, every gateway route reaches a pool with at least two primary servers (no single point of failure).',
  check(node: IConstruct, context: PolicyContext): Finding[] {
    if (!isInstance(node, NginxGateway, 'NginxGateway') || !context.requiresRedundancy) return [];
    const findings: Finding[] = [];
    for (const route of node.routes) {
      const pool = node.pools.find((p) => p.name === route.pool);
      if (pool === undefined) continue; // the gateway itself refuses routes to unknown pools
      const primaries = pool.servers.filter((s) => s.backup !== true).length;
      if (primaries >= MIN_POOL_SERVERS) continue;
      findings.push({
        message: `route '${route.path}' reaches pool '${pool.name}' with ${primaries} primary server${primaries === 1 ? '' : 's'}, a single point of failure in '${context.environment}'${context.redundancyReason === undefined ? '' : `, which requires redundancy (${context.redundancyReason})`}: add a second server (another replica, ideally on another host) to the pool`,
      });
    }
    return findings;
  },
};
