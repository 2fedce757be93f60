import { Token } from 'cdktf';
import { IConstruct } from 'constructs';
import { InvalidInputError, requireOneOf } from '../renderers/invalid-input';

/** A bad input found at synth, reported with the construct that received it. */
export class ConstructValidationError extends Error {
  constructor(scope: IConstruct, message: string) {
    super(`${scope.constructor.name} [${scope.node.path}]: ${message}`);
    this.name = 'ConstructValidationError';
  }
}

/** Throws a `ConstructValidationError`: `KvmHost [prod/host]: vcpus 0 must be at least 1`. */
export function fail(scope: IConstruct, message: string): never {
  throw new ConstructValidationError(scope, message);
}

/**
 * Runs a pure model or renderer for a construct; an `InvalidInputError` it throws comes back
 * prefixed with the construct's kind and path, so the user knows which construct to fix.
 */
export function withPath<T>(scope: IConstruct, build: () => T): T {
  try {
    return build();
  } catch (e) {
    if (e instanceof InvalidInputError) fail(scope, e.message);
    throw e;
  }
}

/**
 * Fails unless `value` is one of `allowed`: for union-typed props (`virtualization`, booleans...) that
 * JavaScript callers and parsed files can set to anything. `undefined` (the default) and tokens pass.
 */
export function checkOneOf<T extends string | number | boolean>(scope: IConstruct, setting: string, value: T | undefined, allowed: readonly T[]): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  withPath(scope, () => requireOneOf(setting, value, allowed));
}
