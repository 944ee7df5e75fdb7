import { Type, type TSchema, type TUnsafe } from '@sinclair/typebox';
import { LAZY_KEYWORD, REGISTRY_KEYWORD, type ConfigNode, type Registry } from './registry';

/** Keyword naming the role (backbone, head, ...) a component node must have. */
export const ROLE_KEYWORD = 'x-role';
/** Keyword holding extra keys the owner reads off the node (e.g. `paramwise_cfg` on `optimizer`). */
export const EXTRA_ARGS_KEYWORD = 'x-extra-args';

export interface ComponentRefOptions {
  /** Keep the node as config (the owner builds it later). */
  lazy?: boolean;
  /** Expected role inside the models registry (documentation + validation hint). */
  role?: string;
  description?: string;
  /**
   * Keys the owner (not the component) reads off this node, with their
   * schemas; the validator checks them and removes them before checking the
   * node against the component's own schema.
   */
  extraArgs?: Record<string, TSchema>;
}

/**
 * Schema of a nested config node built by `registry`. The validator checks the
 * node against the schema of the component its `type` names, and
 * `Registry.build` builds it before the owner's constructor runs (unless lazy).
 *
 * The static type is the built instance `T` (or the config node when lazy).
 */
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- one type parameter for both overloads, so callers write Component<T> either way
export function Component<T = unknown>(registry: Registry, opts: ComponentRefOptions & { lazy: true }): TUnsafe<ConfigNode>;
export function Component<T = unknown>(registry: Registry, opts?: ComponentRefOptions): TUnsafe<T>;
export function Component<T = unknown>(registry: Registry, opts: ComponentRefOptions = {}): TSchema {
  return Type.Unsafe<T>({
    type: 'object',
    required: ['type'],
    [REGISTRY_KEYWORD]: registry.name,
    ...(opts.lazy ? { [LAZY_KEYWORD]: true } : {}),
    ...(opts.role ? { [ROLE_KEYWORD]: opts.role } : {}),
    ...(opts.extraArgs ? { [EXTRA_ARGS_KEYWORD]: opts.extraArgs } : {}),
    ...(opts.description ? { description: opts.description } : {}),
  });
}
