import { NginxGatewayModel } from '../renderers/nginx-config';

/** Where the article's four backends listen. */
export interface ArticleBackends {
  /** Hosts of the storefront servers (`frontend_pool`). */
  readonly frontendHosts: readonly string[];
  /** Hosts of the inventory API servers (`inventory_api`). */
  readonly inventoryHosts: readonly string[];
  /** Port of every storefront server. @default 8080 (the article's) */
  readonly frontendPort?: number;
  /** Port of every inventory API server. @default 5000 (the article's) */
  readonly inventoryPort?: number;
}

/**
 * The article's gateway as a renderer model, for the tests and the benchmarks: the pools `frontend_pool`
 * and `inventory_api`, the routes `/` and `/api/inventory`, server name shop.example.no and the tuned
 * backlog (4096, the article's net.core.somaxconn), with the backends where the caller runs them.
 */
export function articleGatewayModel(backends: ArticleBackends): NginxGatewayModel {
  const frontendPort = backends.frontendPort ?? 8080;
  const inventoryPort = backends.inventoryPort ?? 5000;
  return {
    pools: [
      { name: 'frontend_pool', servers: backends.frontendHosts.map((host) => ({ host, port: frontendPort })) },
      { name: 'inventory_api', servers: backends.inventoryHosts.map((host) => ({ host, port: inventoryPort })) },
    ],
    routes: [
      { path: '/', pool: 'frontend_pool' },
      { path: '/api/inventory', pool: 'inventory_api' },
    ],
    serverNames: ['shop.example.no'],
    backlog: 4096,
  };
}
