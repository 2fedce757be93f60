// The article's shop as data, shared by the shop examples: a storefront and an inventory API in front
// of one MariaDB (`db`), behind the gateway's `/` and `/api/inventory`, two replicas each.
// In your own project: from 'cdktf-kvm-microservices'.
import { DatabaseSpec, ServiceSpec } from '../constructs/application-spec';

const healthcheck = (port: number) => ({ command: ['CMD-SHELL', `wget -q -O /dev/null http://127.0.0.1:${port}/healthz || exit 1`], intervalSeconds: 2 });

export const SHOP_SERVICES: Record<string, ServiceSpec> = {
  storefront: {
    image: 'registry.example.no/shop/storefront:1.4.2',
    replicas: 2,
    port: 8080,
    routes: ['/'],
    uses: ['db'],
    healthcheck: healthcheck(8080),
  },
  inventory: {
    image: 'registry.example.no/shop/inventory-api:2.1.0',
    replicas: 2,
    port: 5000,
    routes: ['/api/inventory'],
    uses: ['db'],
    healthcheck: healthcheck(5000),
  },
};

export const SHOP_DATABASES: Record<string, DatabaseSpec> = {
  db: { image: 'mariadb:10.11', database: 'shop', user: 'shop' },
};
