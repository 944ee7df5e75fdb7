/** The one plain-data dict type of the framework (configs, checkpoint meta) and its guard. */
export type Dict = Record<string, unknown>;

/**
 * A plain object (`{...}` or `Object.create(null)`), also one made in another
 * realm (config files run in their own module context): not an array, a
 * class instance or null.
 */
export function isDict(v: unknown): v is Dict {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === null || Object.getPrototypeOf(proto) === null;
}
