/**
 * The API gateway's `nginx.conf`: its typed model and its renderer. Pure: no cdktf, no I/O. This file only
 * re-exports; the parts live by concept:
 * - `nginx-model.ts`: backends, pools, resolver and process settings (shared with the stream relay);
 * - `nginx-gateway-model.ts`: routes, virtual hosts, TLS and the gateway settings;
 * - `nginx-checks.ts`, `nginx-route-checks.ts`, `nginx-gateway-validation.ts`: validation;
 * - `nginx-version.ts`: the directive forms each nginx version accepts;
 * - `nginx-core-render.ts`, `nginx-locations.ts`, `nginx-http.ts`: rendering.
 */
export * from './nginx-model';
export * from './nginx-gateway-model';
export { validateNginxGateway, resolveRoutes } from './nginx-gateway-validation';
export { gatewayFileLimit } from './nginx-core-render';
export { DEFAULT_NGINX_VERSION, nginxVersionOfImage } from './nginx-version';
export { renderNginxConfig } from './nginx-http';
