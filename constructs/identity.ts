import type { Container } from '@cdktf/provider-docker/lib/container';
import type { DockerProvider } from '@cdktf/provider-docker/lib/provider';
import { TerraformProvider, TerraformResource, TerraformVariable } from 'cdktf';

// `instanceof` fails when a project loads two copies of cdktf (or of this library): an object made by one
// copy is no instance of the other copy's class, and checks that rely on it silently skip it. These
// guards recognize objects from any copy, the way cdktf's own `TerraformResource.isTerraformResource()`
// does (a `Symbol.for` mark, shared by every copy in the process).

const JSII_RTTI = Symbol.for('jsii.rtti');
const VARIABLE_FQNS = new Set(['cdktf.TerraformVariable', 'cdktn.TerraformVariable']);

/** Whether `x` is a `docker_container` resource, from any copy of cdktf and the Docker provider bindings. */
export function isDockerContainer(x: unknown): x is Container {
  return TerraformResource.isTerraformResource(x) && x.terraformResourceType === 'docker_container';
}

/** Whether `x` is a Docker provider, from any copy of cdktf and the Docker provider bindings. */
export function isDockerProvider(x: unknown): x is DockerProvider {
  return TerraformProvider.isTerraformProvider(x) && x.terraformResourceType === 'docker';
}

/**
 * Whether `x` is a `TerraformVariable` from any copy of cdktf or CDK Terrain. Neither has a guard for
 * variables, so this reads the class name jsii records on their classes (`cdktf.TerraformVariable`, and
 * `cdktn.TerraformVariable` in CDK Terrain, which keeps the `cdktf` import name), subclasses included.
 */
export function isTerraformVariable(x: unknown): x is TerraformVariable {
  if (x === null || typeof x !== 'object') return false;
  for (let proto = Object.getPrototypeOf(x); proto !== null; proto = Object.getPrototypeOf(proto)) {
    const rtti = (proto.constructor as { [JSII_RTTI]?: { fqn?: string } } | undefined)?.[JSII_RTTI];
    if (rtti?.fqn !== undefined && VARIABLE_FQNS.has(rtti.fqn)) return true;
  }
  return false;
}

const brandOf = (kind: string): symbol => Symbol.for(`cdktf-kvm-microservices/${kind}`);

/** Marks an instance of one of this library's classes as a `kind`, for `isInstance` in any copy of the library. */
export function brand(instance: object, kind: string): void {
  Object.defineProperty(instance, brandOf(kind), { value: true });
}

/**
 * Whether `x` is an instance of `cls` (named `kind`) from this or any other copy of the library: an
 * instance of this copy's class, or an object another copy marked with `brand(x, kind)`.
 */
export function isInstance<T>(x: unknown, cls: abstract new (...args: never[]) => T, kind: string): x is T {
  return x instanceof cls || (x !== null && typeof x === 'object' && brandOf(kind) in x);
}
