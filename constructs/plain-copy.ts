/**
 * A deep copy of plain data (arrays and object literals, at any depth); anything else (a token object,
 * a `TerraformVariable`, a class instance) is kept as it is. Constructs keep copies of their props and
 * hand out copies, so changing a caller's object after construction, or a getter's result, changes
 * nothing that is rendered.
 * @example
 * const routes = plainCopy(props.routes); // routes[0].cors.allowOrigins is a new array
 */
export function plainCopy<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => plainCopy(v)) as unknown as T;
  if (value !== null && typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return value;
    const copy: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) copy[k] = plainCopy(v);
    return copy as T;
  }
  return value;
}
