import { ServiceSpec } from '../constructs/application-spec';
import { EnvironmentConfig } from '../stacks/environment-config';
import { LoadRequest } from './rollout-load';

// The changes a team rolls out on day 2, one `tofu apply` each, on the dev shape of the shop: what the
// end-to-end test asserts (zero failed requests where the design is gapless, a bounded interruption
// where it cannot be) and what `npm run bench:deploy` measures.

/** The images the environment uses; the scenarios tag new versions of them (same content, new name). */
export const ROLLOUT_IMAGES = { app: 'kvms/app:1.0', database: 'kvms/mariadb:10.11', gateway: 'kvms/nginx:1.30' };

/** Where the environment answers. */
export const ROLLOUT_PORT = 18480;
export const ROLLOUT_SERVER_NAME = 'shop.e2e.example.no';

/** The load: both routes, the database through the storefront, and writes. */
export const ROLLOUT_REQUESTS: readonly LoadRequest[] = [
  { method: 'GET', path: '/', weight: 3 },
  { method: 'GET', path: '/api/inventory/items', weight: 3 },
  { method: 'GET', path: '/db', weight: 2 },
  { method: 'POST', path: '/api/inventory/orders', weight: 1 },
  { method: 'POST', path: '/db?value=rollout', weight: 1 },
];

const HEALTHCHECK = { command: ['CMD', '/app', 'healthcheck'], intervalSeconds: 2, timeoutSeconds: 2, retries: 3 };

function app(name: string, port: number, route: string, over: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    image: ROLLOUT_IMAGES.app,
    port,
    routes: [route],
    uses: ['db'],
    environment: { SERVICE_NAME: name, PORT: String(port) },
    memoryMiB: 64,
    cpus: 0.5,
    healthcheck: HEALTHCHECK,
    ...over,
  };
}

/** The environment the scenarios start from: dev's shape, two storefront replicas and one inventory. */
export function rolloutBase(name: string, dataPath: string): EnvironmentConfig {
  return {
    name,
    hosts: [{ name: 'local', kind: 'local' }],
    services: {
      storefront: app('storefront', 8080, '/', { replicas: 2 }),
      inventory: app('inventory', 5000, '/api/inventory', { replicas: 1 }),
    },
    databases: { db: { image: ROLLOUT_IMAGES.database, dataPath, memoryMiB: 512, database: 'shop', user: 'shop' } },
    gateway: { image: ROLLOUT_IMAGES.gateway, port: ROLLOUT_PORT, serverNames: [ROLLOUT_SERVER_NAME] },
  };
}

/** One change and what it may cost. */
export interface RolloutScenario {
  /** What changes, in the words of the BENCHMARKS table. */
  readonly change: string;
  /** The configuration after the change. */
  readonly apply: (config: EnvironmentConfig, tag: (image: string) => string) => EnvironmentConfig;
  /** `gapless`: no failed request; `refused`: the apply fails and nothing fails; `interrupts`: a bounded outage on `paths`. */
  readonly expect: 'gapless' | 'refused' | 'interrupts';
  /** For `interrupts`: the longest outage allowed, in seconds, and the paths it may touch. */
  readonly maxOutageSeconds?: number;
  readonly affectedPaths?: readonly string[];
}

const service = (config: EnvironmentConfig, name: string, change: (s: ServiceSpec) => Partial<ServiceSpec>): EnvironmentConfig => ({
  ...config,
  services: { ...config.services, [name]: { ...config.services[name], ...change(config.services[name]) } },
});

/** The day-2 changes, in the order they are applied (each starts from the previous one's result). */
export const ROLLOUT_SCENARIOS: readonly RolloutScenario[] = [
  { change: 'no change (control)', apply: (c) => c, expect: 'gapless' },
  { change: 'new image tag, storefront (2 replicas)', apply: (c, tag) => service(c, 'storefront', (s) => ({ image: tag(s.image) })), expect: 'gapless' },
  { change: 'new image tag, inventory (1 replica)', apply: (c, tag) => service(c, 'inventory', (s) => ({ image: tag(s.image) })), expect: 'gapless' },
  { change: 'environment variable changed, storefront', apply: (c) => service(c, 'storefront', (s) => ({ environment: { ...s.environment, FEATURE_FLAGS: 'new-checkout' } })), expect: 'gapless' },
  { change: 'memory limit changed, storefront', apply: (c) => service(c, 'storefront', () => ({ memoryMiB: 96 })), expect: 'gapless' },
  { change: 'route added, /api/stock', apply: (c) => service(c, 'inventory', (s) => ({ routes: [...(s.routes ?? []), '/api/stock'] })), expect: 'gapless' },
  { change: 'route removed, /api/stock', apply: (c) => service(c, 'inventory', (s) => ({ routes: (s.routes ?? []).filter((r) => r !== '/api/stock') })), expect: 'gapless' },
  { change: 'scale inventory 1 -> 2', apply: (c) => service(c, 'inventory', () => ({ replicas: 2 })), expect: 'gapless' },
  { change: 'scale inventory 2 -> 3', apply: (c) => service(c, 'inventory', () => ({ replicas: 3 })), expect: 'gapless' },
  { change: 'scale inventory 3 -> 2', apply: (c) => service(c, 'inventory', () => ({ replicas: 2 })), expect: 'gapless' },
  { change: 'new image tag, inventory (2 replicas)', apply: (c, tag) => service(c, 'inventory', (s) => ({ image: tag(s.image) })), expect: 'gapless' },
  {
    change: 'gateway change nginx refuses (error log in a missing directory)',
    apply: (c) => ({ ...c, gateway: { ...c.gateway, process: { errorLogPath: '/nonexistent/kvms/error.log' } } }),
    expect: 'refused',
  },
  { change: 'gateway change reverted', apply: (c) => ({ ...c, gateway: { ...c.gateway, process: undefined } }), expect: 'gapless' },
  {
    change: 'new image tag, database (stop-first)',
    apply: (c, tag) => ({ ...c, databases: { db: { ...c.databases!.db, image: tag(c.databases!.db.image!) } } }),
    expect: 'interrupts',
    maxOutageSeconds: 30,
    affectedPaths: ['/db', '/db?value=rollout'],
  },
  {
    // The gateway's namespaced sysctls are fixed when Docker creates its container.
    change: 'sysctl net.core.somaxconn changed, gateway (stop-first)',
    apply: (c) => ({ ...c, sysctl: { ...c.sysctl, 'net.core.somaxconn': 2048 } }),
    expect: 'interrupts',
    maxOutageSeconds: 15,
  },
  {
    change: 'new image tag, gateway (stop-first)',
    apply: (c, tag) => ({ ...c, gateway: { ...c.gateway, image: tag(c.gateway!.image!) } }),
    expect: 'interrupts',
    maxOutageSeconds: 15,
  },
];
