/**
 * nginx versions and the directive forms they accept. The renderers default to the oldest version they
 * are checked with, so a configuration without `nginxVersion` loads on every supported nginx.
 */

/** The version assumed when a model names none: Debian bookworm's nginx. */
export const DEFAULT_NGINX_VERSION = '1.22';
/** The oldest version the renderers are checked with (`nginx -t`). */
export const OLDEST_NGINX_VERSION = '1.22';

const VERSION = /^(\d{1,3})\.(\d{1,3})(?:\.(\d{1,3}))?$/;

/** Whether `text` has the form `X.Y` or `X.Y.Z` (numbers of at most three digits). */
export function isNginxVersion(text: string): boolean {
  return VERSION.test(text);
}

/** Compares two versions (`X.Y` means `X.Y.0`): negative when a is older, 0 when equal, positive when newer. */
export function compareNginxVersions(a: string, b: string): number {
  const parts = (v: string): number[] => {
    const m = VERSION.exec(v);
    if (!m) throw new Error(`not an nginx version: ${v}`);
    return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  };
  const [pa, pb] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
  return 0;
}

/** Whether `version` is `since` or newer. */
export function nginxAtLeast(version: string, since: string): boolean {
  return compareNginxVersions(version, since) >= 0;
}

/** `http2 on;` replaced the `http2` parameter of `listen` in 1.25.1 (which now warns about the old form). */
export const HTTP2_DIRECTIVE_SINCE = '1.25.1';
/** `resolve` on upstream `server` lines (with a `zone` and a `resolver`) is in open-source nginx since 1.27.3. */
export const UPSTREAM_RESOLVE_SINCE = '1.27.3';
/** `keepalive_min_timeout`: recently used client connections outlive a graceful shutdown. */
export const KEEPALIVE_MIN_TIMEOUT_SINCE = '1.27.4';

/**
 * The nginx version an image reference's tag says: `nginx:1.30`, `nginx:1.30.1-alpine`,
 * `registry.example.no/ops/nginx:1.26`, `kvms/nginx:1.22`; undefined when the repository is not named
 * nginx or the tag starts with no version.
 */
export function nginxVersionOfImage(image: string): string | undefined {
  return /(?:^|\/)nginx[a-z0-9_.-]*:(\d+\.\d+(?:\.\d+)?)(?:[-@]|$)/.exec(image)?.[1];
}
