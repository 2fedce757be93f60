// Types of the prebuilt provider packages that this library's API hands out, named so a consumer can
// import them from the package root instead of from the provider packages' internal paths.

/**
 * The Docker provider of one Docker host, as `DockerHost.local()` and `DockerHost.ssh()` return it and
 * `ServiceNetwork`, `ContainerService` and `NginxGateway` take it (`@cdktf/provider-docker`'s class).
 */
export type DockerProvider = import('@cdktf/provider-docker/lib/provider').DockerProvider;

/**
 * A readiness check: the `null_resource` that `KvmHost.addReadinessCheck()` returns (and `readinessCheck`
 * holds), which waits until the host's cloud-init is done and Docker answers; put it in `dependsOn` of what
 * must wait (`@cdktf/provider-null`'s `Resource`).
 */
export type ReadinessCheck = import('@cdktf/provider-null/lib/resource').Resource;
