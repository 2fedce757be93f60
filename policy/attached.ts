import { IConstruct } from 'constructs';

// Declarations kept on constructs (suppressions, jurisdiction, redundancy) live under a Symbol.for key,
// non-enumerable, so every copy of the library finds them and they never reach the synthesized JSON.

/** The record under `key` on `scope`, if one was made. */
export function attachedTo<T>(scope: IConstruct, key: symbol): T | undefined {
  return (scope as unknown as Record<symbol, T | undefined>)[key];
}

/** The record under `key` on `scope`, made with `create` on first use. */
export function attach<T>(scope: IConstruct, key: symbol, create: () => T): T {
  const existing = attachedTo<T>(scope, key);
  if (existing !== undefined) return existing;
  const record = create();
  Object.defineProperty(scope, key, { value: record, enumerable: false });
  return record;
}

/** The first value `pick` gives for the records under `key` on `scope` and its ancestors, nearest first. */
export function nearestAttached<T, V>(scope: IConstruct, key: symbol, pick: (record: T, holder: IConstruct) => V | undefined): V | undefined {
  for (const holder of [...scope.node.scopes].reverse()) {
    const record = attachedTo<T>(holder, key);
    const value = record === undefined ? undefined : pick(record, holder);
    if (value !== undefined) return value;
  }
  return undefined;
}
