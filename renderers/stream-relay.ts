import {
  checkInteger,
  checkListenAddress,
  checkModules,
  checkName,
  checkNginxVersion,
  checkProcess,
  checkResolver,
  checkUpstreamServers,
  invalid,
  listenEndpoint,
} from './nginx-checks';
import { indent, renderMainContext, renderResolver, renderUpstreamBlock, resolvesWhileRunning } from './nginx-core-render';
import { NginxProcess, NginxResolver, UpstreamServer } from './nginx-model';

/**
 * A TCP relay (nginx `stream`): it runs on a Docker host and forwards ports published on the host's
 * private address to local containers by name, so a gateway on another host reaches them without
 * publishing container ports on every address. Pure model and renderer, like the gateway's.
 */

/** One relayed port and the backends behind it. */
export interface StreamRelayListener {
  /** Name of the upstream block: letters, digits, `_` and `-`, starting with a letter or `_`; unique. */
  readonly name: string;
  /** Port to listen on, 1-65535. */
  readonly port: number;
  /**
   * Address to listen on (IPv4, IPv6 or `*`), e.g. the host's private address.
   * @default '*' (all addresses)
   */
  readonly listenAddress?: string;
  /** The backends (container aliases or addresses with their ports); at least one. */
  readonly servers: readonly UpstreamServer[];
  /**
   * Time allowed to connect to one backend before trying the next, 1-75 seconds.
   * @default 2
   */
  readonly connectTimeoutSeconds?: number;
  /**
   * Longest silence in both directions before a relayed connection is closed, in seconds (`proxy_timeout`).
   * @default 600 (nginx's 10 minutes)
   */
  readonly idleTimeoutSeconds?: number;
}

/**
 * The whole relay.
 * @example
 * renderStreamRelayConfig({
 *   listeners: [{ name: 'web', port: 8080, listenAddress: '192.168.150.11', servers: [{ host: 'web-1', port: 8080 }] }],
 *   modules: ['/usr/lib/nginx/modules/ngx_stream_module.so'], // Debian's nginx; not for the official images
 * });
 */
export interface StreamRelayModel {
  /** The relayed ports, at least one; names unique, address:port unique. */
  readonly listeners: readonly StreamRelayListener[];
  /**
   * DNS servers nginx asks while it runs; with nginx 1.27.3 or newer, backends named by hostname are
   * re-resolved (`resolve`).
   * @default undefined (names resolved when nginx loads the configuration)
   */
  readonly resolver?: NginxResolver;
  /**
   * The nginx version the configuration is for, `X.Y` or `X.Y.Z` (1.22 or newer).
   * @default '1.22'
   */
  readonly nginxVersion?: string;
  /**
   * Absolute paths of dynamic modules to load; Debian's nginx needs
   * `/usr/lib/nginx/modules/ngx_stream_module.so` (official nginx images have stream built in).
   * @default none
   */
  readonly modules?: readonly string[];
  /**
   * Process-level settings.
   * @default see `NginxProcess`
   */
  readonly process?: NginxProcess;
  /**
   * Listen backlog of every listener (pass the tuned `net.core.somaxconn`).
   * @default 511 (nginx's own default)
   */
  readonly backlog?: number;
}

/** Checks a relay model; throws an `InvalidInputError` naming the setting, the quoted value and the fix. */
export function validateStreamRelay(model: StreamRelayModel): void {
  if (model.listeners.length === 0) invalid('listeners', '[]', 'is empty', 'add at least one listener');
  const names = new Set<string>();
  const endpoints = new Set<string>();
  for (const listener of model.listeners) {
    checkName('listener name', listener.name, 'upstream name');
    if (names.has(listener.name)) invalid('listener name', listener.name, 'is defined twice', 'give every listener a unique name');
    names.add(listener.name);
    const prefix = `listener ${listener.name}`;
    checkInteger(`${prefix} port`, listener.port, 1, 65535);
    if (listener.listenAddress !== undefined) checkListenAddress(`${prefix} listenAddress`, listener.listenAddress);
    const endpoint = listenEndpoint(listener.listenAddress, listener.port);
    if (endpoints.has(endpoint)) invalid(`${prefix} port`, endpoint, 'is used by two listeners', 'give every listener its own address and port');
    endpoints.add(endpoint);
    checkUpstreamServers(prefix, listener.servers);
    if (listener.connectTimeoutSeconds !== undefined) checkInteger(`${prefix} connectTimeoutSeconds`, listener.connectTimeoutSeconds, 1, 75);
    if (listener.idleTimeoutSeconds !== undefined) checkInteger(`${prefix} idleTimeoutSeconds`, listener.idleTimeoutSeconds, 1, 604800);
  }
  if (model.backlog !== undefined) checkInteger('backlog', model.backlog, 1, 2147483647);
  checkNginxVersion(model.nginxVersion);
  checkResolver(model.resolver);
  checkModules(model.modules);
  checkProcess(model.process ?? {});
}

/** Renders the relay's complete `nginx.conf` (validated first): main context, events and one stream block. */
export function renderStreamRelayConfig(model: StreamRelayModel): string {
  validateStreamRelay(model);
  const zones = resolvesWhileRunning(model);
  const stream: string[] = [];
  if (model.resolver) stream.push(renderResolver(model.resolver));
  for (const listener of model.listeners) {
    if (stream.length > 0) stream.push('');
    stream.push(...renderUpstreamBlock(listener.name, listener.servers, { zone: zones ? `upstream_${listener.name}` : undefined }));
  }
  for (const listener of model.listeners) {
    const listen = [listenEndpoint(listener.listenAddress, listener.port)];
    if (model.backlog !== undefined) listen.push(`backlog=${model.backlog}`);
    stream.push(
      '',
      'server {',
      `    listen ${listen.join(' ')};`,
      `    proxy_pass ${listener.name};`,
      `    proxy_connect_timeout ${listener.connectTimeoutSeconds ?? 2}s;`,
      // A refused or timed-out connect moves on to the next backend (nothing was relayed yet).
      '    proxy_next_upstream on;',
      '    proxy_next_upstream_tries 3;',
      `    proxy_timeout ${listener.idleTimeoutSeconds ?? 600}s;`,
      '}',
    );
  }
  const lines = [...renderMainContext('renderers/stream-relay.ts', model), '', 'stream {', ...indent(stream), '}'];
  return lines.join('\n') + '\n';
}
