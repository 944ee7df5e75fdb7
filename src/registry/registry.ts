import type { TSchema } from '@sinclair/typebox';
import { Container, ContainerModule, inject, injectFromBase, optional, unmanaged } from 'inversify';
import type { ServiceToken } from '../contracts/services';
import { closestNames } from '../utils/suggest';

/** Keyword a schema uses to say "this value is a config node built by that registry". */
export const REGISTRY_KEYWORD = 'x-registry';
/** Keyword that keeps a component node unbuilt (the owner builds it later, e.g. datasets in the runner). */
export const LAZY_KEYWORD = 'x-lazy';

/** A plain config node: `{ type: 'Name', ...args }`. */
export interface ConfigNode {
  type: string | ComponentClass;
  [key: string]: unknown;
}

/** Everything a component constructor gets besides its arguments. */
export interface BuildContext {
  /** Dotted config path of the node being built, e.g. `model.vit`. */
  path: string;
  /** The registry the node was built from. */
  registry: Registry;
  /**
   * The run's DI container the node was built through (absent outside a run);
   * pass it on when building sub-components yourself.
   */
  container?: Container;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ComponentClass<T = any> = new (args: any, ctx: BuildContext) => T;

export interface RegisterOptions {
  /** Stable registered name (never derived from `constructor.name`). */
  name: string;
  /** Other names that resolve to the same component. */
  aliases?: string[];
  /** Replace an existing entry of the same name instead of throwing. */
  force?: boolean;
  /** JSON schema (TypeBox) of the constructor arguments, without `type`. */
  schema?: TSchema;
  /** Role inside the models registry: backbone, neck, head, loss, classifier, ... */
  role?: string;
  /** Short description shown by `tools/list-components.ts`. */
  description?: string;
}

export interface ComponentEntry {
  name: string;
  aliases: string[];
  cls: ComponentClass;
  schema?: TSchema;
  role?: string;
  description?: string;
  /** The registry (and so the scope) that holds the entry. */
  registry: Registry;
  /** The plugin that was being loaded when the entry was registered, if any. */
  plugin?: string;
}

export interface BuildOptions {
  /** Filled into the node with setdefault semantics: the config wins. */
  defaultArgs?: Record<string, unknown>;
  /** Dotted config path used in error messages (default: the registry name). */
  path?: string;
  /**
   * The run's DI container: every component of the subtree is built through
   * it, so its `@inject(TOKEN)` fields and parameters get the run's services.
   * Without one, constructors are called directly and injected members keep
   * their defaults (`@optional()`).
   */
  container?: Container;
}

/** Thrown for every registry/build problem; `configPath` names the offending node. */
export class RegistryError extends Error {
  constructor(message: string, readonly configPath?: string) {
    super(message);
    this.name = 'RegistryError';
  }
}

/**
 * Process-wide registry state lives on `globalThis` under a symbol, so a second
 * copy of this module (a plugin that resolves the framework through its own
 * node_modules link, or a config loaded in a fresh module namespace) still
 * shares the same registries, plugin tag and argument preparer.
 */
interface SharedState {
  /** Classes whose constructor arguments 0 and 1 are marked for injection. */
  injectable: WeakSet<ComponentClass>;
  /** Classes that inherit their base classes' `@inject` fields. */
  inheriting: WeakSet<object>;
  /** Services plugins bind in every root container (`registerServices`). */
  serviceModules: ContainerModule[];
  currentPlugin?: string;
  loadedPlugins: string[];
  registries: Map<string, Registry>;
  argsPreparer?: ArgsPreparer;
  scopeLoader?: ScopeLoader;
  /** Legacy names already reported, so each deprecation note prints once. */
  deprecated?: Set<string>;
}
const STATE_KEY = Symbol.for('fer-mm.registry.state');
function shared(): SharedState {
  const g = globalThis as unknown as Record<symbol, SharedState | undefined>;
  let s = g[STATE_KEY];
  if (!s) {
    s = { loadedPlugins: [], registries: new Map(), injectable: new WeakSet(), inheriting: new WeakSet(), serviceModules: [] };
    g[STATE_KEY] = s;
  }
  return s;
}

/** Marks registrations made while `fn` runs as coming from `plugin` (used by the plugin loader). */
export function withPluginSource<T>(plugin: string, fn: () => T): T {
  const st = shared();
  const prev = st.currentPlugin;
  st.currentPlugin = plugin;
  try {
    return fn();
  } finally {
    st.currentPlugin = prev;
  }
}
export async function withPluginSourceAsync<T>(plugin: string, fn: () => Promise<T>): Promise<T> {
  const st = shared();
  const prev = st.currentPlugin;
  st.currentPlugin = plugin;
  try {
    return await fn();
  } finally {
    st.currentPlugin = prev;
  }
}
/** Records a plugin as loaded (listed in unknown-type errors). */
export function markPluginLoaded(plugin: string): void {
  const st = shared();
  if (!st.loadedPlugins.includes(plugin)) st.loadedPlugins.push(plugin);
}
/** Names of the plugins loaded so far, in load order. */
export function loadedPlugins(): string[] {
  return [...shared().loadedPlugins];
}

/**
 * A named table of components. Registries form a tree: a child registry is a
 * scope (a third-party package) whose bare names shadow its parents'.
 * `scope.Name` resolves in the scope called `scope` anywhere in the tree.
 */
export class Registry<T = unknown> {
  readonly name: string;
  readonly scope: string;
  readonly parent?: Registry;
  private readonly entries = new Map<string, ComponentEntry>();
  private readonly childScopes = new Map<string, Registry>();

  constructor(name: string, opts: { scope?: string; parent?: Registry } = {}) {
    this.name = name;
    this.scope = opts.scope ?? 'core';
    this.parent = opts.parent;
    if (this.parent) {
      if (this.parent.root.findScope(this.scope)) {
        throw new RegistryError(`scope '${this.scope}' already exists in the ${this.name} registry tree`);
      }
      this.parent.childScopes.set(this.scope, this);
    }
  }

  get root(): Registry {
    let r: Registry = this as Registry;
    while (r.parent) r = r.parent;
    return r;
  }

  get children(): ReadonlyMap<string, Registry> {
    return this.childScopes;
  }

  /** Child registry for `scope`, created on first use. */
  child(scope: string): Registry<T> {
    if (!scope || scope.includes('.')) throw new RegistryError(`scope name '${scope}' must be non-empty and must not contain '.'`);
    const found = this.root.findScope(scope);
    if (found) {
      if (found.parent !== this) {
        throw new RegistryError(`scope '${scope}' already exists under '${found.parent?.scope}' in the ${this.name} registry`);
      }
      return found as Registry<T>;
    }
    return new Registry<T>(this.name, { scope, parent: this });
  }

  /** The registry of `scope` anywhere in this tree. */
  findScope(scope: string): Registry | undefined {
    if (this.scope === scope) return this;
    for (const c of this.childScopes.values()) {
      const f = c.findScope(scope);
      if (f) return f;
    }
    return undefined;
  }

  /** Class decorator: `@MODELS.register({ name: 'IRSE', schema: IRSEArgs })`. */
  register(opts: RegisterOptions) {
    return <C extends ComponentClass>(cls: C): C => {
      this.registerModule(cls, opts);
      return cls;
    };
  }

  /** Plain-call form of {@link register}. */
  registerModule(cls: ComponentClass, opts: RegisterOptions): ComponentEntry {
    if (!opts || typeof opts.name !== 'string' || opts.name.length === 0) {
      throw new RegistryError(`${this.describe()}: register() needs an explicit 'name'`);
    }
    const names = [opts.name, ...(opts.aliases ?? [])];
    for (const n of names) {
      if (n.includes('.')) throw new RegistryError(`${this.describe()}: name '${n}' must not contain '.' (it separates scopes)`);
      const existing = this.entries.get(n);
      if (existing && !opts.force) {
        const where = existing.plugin ? ` by plugin '${existing.plugin}'` : '';
        throw new RegistryError(
          `'${n}' is already registered in ${this.describe()}${where}; pass force: true to replace it, ` +
            `or register it in your own scope (registry.child('myscope'))`,
        );
      }
    }
    const entry: ComponentEntry = {
      name: opts.name,
      aliases: opts.aliases ?? [],
      cls,
      schema: opts.schema,
      role: opts.role,
      description: opts.description,
      registry: this,
      plugin: shared().currentPlugin,
    };
    for (const n of names) this.entries.set(n, entry);
    markInjectable(cls);
    return entry;
  }

  /** Entries registered directly in this scope (aliases folded). */
  list(): ComponentEntry[] {
    return [...new Set(this.entries.values())];
  }

  /** Entries of this scope and all child scopes. */
  listAll(): ComponentEntry[] {
    return [...this.list(), ...[...this.childScopes.values()].flatMap((c) => c.listAll())];
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /**
   * `scope.Name` looks in that scope (anywhere in the tree); a bare name looks
   * in this scope, then its ancestors, then in the one other scope of the tree
   * that has it (a plugin's scope: `PoolingViT` is `apvit.PoolingViT`; a name
   * two scopes share must be written with its scope). A root-scope name whose
   * component moved to a plugin scope (`core.PoolingViT`, as configs and
   * checkpoints written before plugin scopes say) still resolves, with a
   * deprecation note.
   */
  get(key: string): ComponentEntry | undefined {
    const dot = key.lastIndexOf('.');
    if (dot > 0) {
      const scope = key.slice(0, dot);
      const name = key.slice(dot + 1);
      const reg = this.root.findScope(scope);
      const e = reg?.entries.get(name);
      if (e || reg !== this.root) return e;
      const moved = this.root.scopesHaving(name);
      if (moved.length !== 1) return undefined;
      noteDeprecated(`${this.name}:${key}`, `'${key}' (${this.name} registry) is deprecated: the component is registered in scope '${moved[0].scope}' now; write '${moved[0].scope}.${name}' or '${name}'`);
      return moved[0].entries.get(name);
    }
    for (let r: Registry | undefined = this as Registry; r; r = r.parent) {
      const e = r.entries.get(key);
      if (e) return e;
    }
    const others = this.root.scopesHaving(key);
    return others.length === 1 ? others[0].entries.get(key) : undefined;
  }

  /** Every scope of this subtree with `name` registered directly in it. */
  scopesHaving(name: string): Registry[] {
    return [...(this.entries.has(name) ? [this as Registry] : []), ...[...this.childScopes.values()].flatMap((c) => c.scopesHaving(name))];
  }

  /**
   * Makes sure `scope` exists, loading the installed plugin package that
   * declares it when it does not (MMEngine's registry `locations`). Returns
   * why it could not, for the error message.
   */
  private ensureScope(scope: string): string | undefined {
    if (this.root.findScope(scope)) return undefined;
    const loader = shared().scopeLoader;
    if (!loader) return undefined;
    const why = loader(scope, this.name);
    return this.root.findScope(scope) ? undefined : why;
  }

  /** Scopes a bare name is looked up in, nearest first. */
  searchChain(): string[] {
    const out: string[] = [];
    for (let r: Registry | undefined = this as Registry; r; r = r.parent) out.push(r.scope);
    return out;
  }

  /** Error text for an unknown `type`. */
  unknownTypeMessage(key: string, path: string, scopeProblem?: string): string {
    const dot = key.lastIndexOf('.');
    const scoped = dot > 0;
    const scopes = scoped ? [key.slice(0, dot)] : this.searchChain();
    // a bare name may be meant for a plugin scope's component too (bare names resolve there)
    const offChain = this.root.allQualifiedNames().filter((q) => !scopes.includes(q.slice(0, q.lastIndexOf('.'))));
    const pool = scoped ? this.root.allQualifiedNames() : [...this.visibleNames(), ...offChain];
    const missingScope = scoped && !this.root.findScope(key.slice(0, dot));
    const near = closestNames(key, pool, 3);
    const lines = [
      `${path}.type: '${key}' is not registered in the ${this.name} registry`,
      missingScope
        ? `  scope '${key.slice(0, dot)}' does not exist; known scopes: ${this.root.allScopes().join(', ')}`
        : `  scopes searched: ${scopes.join(' -> ')}`,
    ];
    if (scopeProblem) lines.push(...scopeProblem.split('\n').map((l) => `  ${l}`));
    if (near.length) lines.push(`  did you mean: ${near.map((n) => `'${n}'`).join(', ')}?`);
    if (!scoped) {
      // the bare name exists, but only in a scope that is not searched from here
      const elsewhere = this.root.allQualifiedNames().filter((q) => q.slice(q.lastIndexOf('.') + 1) === key && !scopes.includes(q.slice(0, q.lastIndexOf('.'))));
      for (const q of elsewhere) lines.push(`  '${key}' is registered in scope '${q.slice(0, q.lastIndexOf('.'))}': write '${q}'`);
      const hint = shared().scopeLoader?.(undefined, this.name);
      if (hint) lines.push(`  ${hint}`);
    }
    if (!missingScope) {
      const names = (scoped ? [...(this.root.findScope(key.slice(0, dot))?.entries.keys() ?? [])] : this.visibleNames()).sort();
      const where = scoped ? `in scope '${key.slice(0, dot)}'` : `in ${scopes.join(' -> ')}`;
      lines.push(
        names.length === 0
          ? `  nothing is registered ${where}`
          : names.length <= 20
            ? `  registered ${where}: ${names.join(', ')}`
            : `  ${names.length} names are registered ${where}`,
      );
    }
    const plugins = loadedPlugins();
    lines.push(`  plugins loaded: ${plugins.length ? plugins.join(', ') : '(none)'}`);
    lines.push(
      `  if it comes from a plugin, list the plugin in the config's custom_imports.imports ` +
        `(see what is registered: 'npx fer-mm list-components --registry ${this.name}', in the repository 'npx tsx tools/list-components.ts --registry ${this.name}')`,
    );
    return lines.join('\n');
  }

  /** Bare names visible from this scope. */
  visibleNames(): string[] {
    const out = new Set<string>();
    for (let r: Registry | undefined = this as Registry; r; r = r.parent) for (const k of r.entries.keys()) out.add(k);
    return [...out];
  }

  allScopes(): string[] {
    return [this.scope, ...[...this.childScopes.values()].flatMap((c) => c.allScopes())];
  }

  allQualifiedNames(): string[] {
    return [
      ...[...this.entries.keys()].map((k) => `${this.scope}.${k}`),
      ...[...this.childScopes.values()].flatMap((c) => c.allQualifiedNames()),
    ];
  }

  /** Resolves `type` (string or class) to an entry, or throws the unknown-type error. */
  resolve(type: unknown, path: string): ComponentEntry {
    if (typeof type === 'function') {
      const e = this.root.listAll().find((x) => x.cls === type);
      if (!e) throw new RegistryError(`${path}.type: class ${(type as { name?: string }).name ?? '?'} is not registered in the ${this.name} registry`, `${path}.type`);
      return e;
    }
    if (typeof type !== 'string') {
      throw new RegistryError(`${path}: a config node needs a string 'type' (got ${JSON.stringify(type)})`, `${path}.type`);
    }
    const dot = type.lastIndexOf('.');
    const scopeProblem = dot > 0 ? this.ensureScope(type.slice(0, dot)) : undefined;
    const e = this.get(type);
    if (!e) throw new RegistryError(this.unknownTypeMessage(type, path, scopeProblem), `${path}.type`);
    return e;
  }

  /**
   * Builds a component from a config node. `defaultArgs` fill missing keys;
   * nested nodes whose schema carries `x-registry` are built first (depth-first)
   * unless marked `x-lazy`. Arguments are validated against the component's
   * schema (with its defaults applied) before the constructor runs.
   */
  build<R = T>(cfg: ConfigNode | Record<string, unknown>, opts: BuildOptions = {}): R {
    const path = opts.path ?? this.name;
    if (cfg === null || typeof cfg !== 'object' || Array.isArray(cfg)) {
      throw new RegistryError(`${path}: expected a config object with a 'type', got ${JSON.stringify(cfg)}`, path);
    }
    const node: Record<string, unknown> = { ...cfg };
    for (const [k, v] of Object.entries(opts.defaultArgs ?? {})) if (!(k in node)) node[k] = v;
    const entry = this.scopeFor(node._scope_, path).resolve(node.type, path);
    delete node.type;
    delete node._scope_;
    const args = entry.schema ? prepareArgs(entry, node, path) : node;
    // Nested nodes resolve bare names from the owner's scope first (no global default scope).
    const built = buildNested(args, entry.schema, path, opts.container, entry.registry.scope);
    try {
      return construct(entry.cls, built, { path, registry: entry.registry, container: opts.container }) as R;
    } catch (err) {
      if (err instanceof RegistryError) throw err;
      const e = err as Error;
      const wrapped = new RegistryError(`${path} (${entry.registry.scope}.${entry.name}): ${e?.message ?? String(err)}`, path);
      wrapped.stack = `${wrapped.name}: ${wrapped.message}\n${(e?.stack ?? '').split('\n').slice(1).join('\n')}`;
      throw wrapped;
    }
  }

  /**
   * The registry a node resolves in: the scope named by its `_scope_` key, or
   * this one. An unknown `_scope_` is an error.
   */
  scopeFor(scope: unknown, path: string): Registry {
    if (scope === undefined || scope === null) return this as Registry;
    const problem = typeof scope === 'string' ? this.ensureScope(scope) : undefined;
    const found = typeof scope === 'string' ? this.root.findScope(scope) : undefined;
    if (!found) {
      throw new RegistryError(
        `${path}._scope_: scope ${JSON.stringify(scope)} does not exist in the ${this.name} registry; known scopes: ${this.root.allScopes().join(', ')}` +
          (problem ? `\n  ${problem.split('\n').join('\n  ')}` : ''),
        `${path}._scope_`,
      );
    }
    return found;
  }

  /** Where a nested node of this tree starts resolving when its owner lives in `scope`. */
  startFor(scope: string | undefined): Registry {
    return (scope ? this.root.findScope(scope) : undefined) ?? (this as Registry);
  }

  describe(): string {
    return `the ${this.name} registry (scope '${this.scope}')`;
  }
}

/**
 * Loads the installed package that declares `scope` and returns undefined, or
 * returns why it could not (not installed, failed to load). Called with no
 * scope, it may return a hint for a bare name that was not found (e.g. the
 * installed plugin packages not loaded yet). Installed by the plugin loader,
 * so the registry itself reads no files (it runs in browsers too).
 */
export type ScopeLoader = (scope: string | undefined, registry: string) => string | undefined;
/** Installs (or, with undefined, removes) the {@link ScopeLoader}; the plugin loader installs it. */
export function setScopeLoader(fn: ScopeLoader | undefined): void {
  shared().scopeLoader = fn;
}

/** Prints a deprecation note once per key (node's DeprecationWarning, or the console in a browser). */
function noteDeprecated(key: string, msg: string): void {
  const st = shared();
  st.deprecated ??= new Set();
  if (st.deprecated.has(key)) return;
  st.deprecated.add(key);
  const proc = (globalThis as { process?: { emitWarning?: (m: string, o: { type: string; code: string }) => void } }).process;
  if (proc?.emitWarning) proc.emitWarning(msg, { type: 'DeprecationWarning', code: 'FER_MM_CORE_SCOPE' });
  else console.warn(`DeprecationWarning: ${msg}`);
}

// Late-bound so the registry file has no import cycle with the validator.
type ArgsPreparer = (entry: ComponentEntry, node: Record<string, unknown>, path: string) => Record<string, unknown>;
/** Installed by the validation module: validates args against the schema and fills defaults. */
export function setArgsPreparer(fn: ArgsPreparer): void {
  shared().argsPreparer = fn;
}
function prepareArgs(entry: ComponentEntry, node: Record<string, unknown>, path: string) {
  const fn = shared().argsPreparer;
  return fn ? fn(entry, node, path) : node;
}

/** Root registries by name, so `x-registry: 'models'` in a schema can be resolved. */
export function declareRootRegistry<T>(name: string): Registry<T> {
  const byName = shared().registries;
  if (byName.has(name)) return byName.get(name) as Registry<T>;
  const r = new Registry<T>(name);
  byName.set(name, r as Registry);
  return r;
}
export function rootRegistry(name: string): Registry | undefined {
  return shared().registries.get(name);
}
export function rootRegistries(): Registry[] {
  return [...shared().registries.values()];
}

function schemaOf(s: unknown): Record<string, unknown> | undefined {
  return s && typeof s === 'object' ? (s as Record<string, unknown>) : undefined;
}

/** Walks `value` alongside `schema`, building every node marked with `x-registry`. */
function buildNested(value: unknown, schema: unknown, path: string, container: Container | undefined, scope?: string): unknown {
  const s = schemaOf(schema);
  if (!s || value === undefined || value === null) return value;
  const regName = s[REGISTRY_KEYWORD];
  if (typeof regName === 'string') {
    if (s[LAZY_KEYWORD] || typeof value !== 'object' || !('type' in (value as object))) return value;
    const reg = rootRegistry(regName);
    if (!reg) throw new RegistryError(`${path}: schema names unknown registry '${regName}'`, path);
    return reg.startFor(scope).build(value as ConfigNode, { path, container });
  }
  for (const key of ['anyOf', 'oneOf'] as const) {
    const alts = s[key];
    if (Array.isArray(alts)) {
      // Pick the first alternative that is a registry node when the value looks like one.
      const reg = alts.find((a) => schemaOf(a)?.[REGISTRY_KEYWORD]);
      if (reg && value && typeof value === 'object' && !Array.isArray(value) && 'type' in (value as object)) {
        return buildNested(value, reg, path, container, scope);
      }
      const arr = alts.find((a) => schemaOf(a)?.type === 'array');
      if (arr && Array.isArray(value)) return buildNested(value, arr, path, container, scope);
      const obj = alts.find((a) => schemaOf(a)?.type === 'object' && !schemaOf(a)?.[REGISTRY_KEYWORD]);
      if (obj && value && typeof value === 'object' && !Array.isArray(value)) return buildNested(value, obj, path, container, scope);
      return value;
    }
  }
  if (Array.isArray(value)) {
    const items = s.items;
    return value.map((v, i) => buildNested(v, items, `${path}.${i}`, container, scope));
  }
  if (typeof value === 'object') {
    const props = schemaOf(s.properties) ?? {};
    const extra = s.additionalProperties;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const sub = props[k] ?? (typeof extra === 'object' ? extra : undefined);
      out[k] = buildNested(v, sub, `${path}.${k}`, container, scope);
    }
    return out;
  }
  return value;
}

/** DI tokens of a build: a component's constructor arguments 0 (its args) and 1 (its BuildContext). */
const COMPONENT_ARGS = Symbol.for('fer-mm.ComponentArgs');
const BUILD_CONTEXT = Symbol.for('fer-mm.BuildContext');

/**
 * Marks a registered class's constructor arguments 0 and 1 as the node's
 * arguments and build context, and lets it inherit its base classes'
 * `@inject` fields, so inversify can construct it (further arguments and
 * fields name their own tokens).
 */
function markInjectable(cls: ComponentClass): void {
  const done = shared().injectable;
  if (done.has(cls)) return;
  done.add(cls);
  inheritInjections(cls);
  inject(COMPONENT_ARGS)(cls, undefined, 0);
  inject(BUILD_CONTEXT)(cls, undefined, 1);
}

/** `new cls(args, ctx)`, through the run's container when there is one (so its injections resolve). */
function construct(cls: ComponentClass, args: unknown, ctx: BuildContext): unknown {
  if (!ctx.container || !shared().injectable.has(cls)) return new cls(args, ctx);
  const build = new Container({ parent: ctx.container });
  build.bind(COMPONENT_ARGS).toConstantValue(args);
  build.bind(BUILD_CONTEXT).toConstantValue(ctx);
  build.bind(cls).toSelf();
  return build.get(cls);
}

/**
 * A service of the run that is building a component, for use inside its
 * constructor (where `@inject` fields are not set yet); undefined outside a
 * run or when nothing is bound to `token`.
 */
export function serviceOf<T>(ctx: Partial<BuildContext> | undefined, token: ServiceToken<T>): T | undefined {
  const c = ctx?.container;
  return c?.isBound(token) ? c.get<T>(token) : undefined;
}

/** Applies inversify's `injectFromBase` down the class chain (unregistered intermediate classes too). */
function inheritInjections(cls: object): void {
  const base = Object.getPrototypeOf(cls) as object | null;
  const done = shared().inheriting;
  if (!base || base === Function.prototype || done.has(cls)) return;
  inheritInjections(base);
  done.add(cls);
  // inversify reads the base's whole class metadata: arguments of an unregistered base
  // (e.g. BaseDataset's) are passed by the subclass's constructor, not by the container
  if (!shared().injectable.has(base as ComponentClass)) {
    for (let i = 0; i < (base as ComponentClass).length; i++) {
      try {
        unmanaged()(base, undefined, i);
      } catch {
        // the base's author already decorated this argument
      }
    }
  }
  injectFromBase({ extendConstructorArguments: false, extendProperties: true })(cls as ComponentClass);
}

/**
 * Binds a plugin's own services in every run's root container (an inversify
 * `ContainerModule`), so its components can `@inject` them and a test or an
 * application can rebind them:
 *
 *   registerServices(new ContainerModule(({ bind }) => { bind(METRICS_SINK).toDynamicValue(() => new MemorySink()).inSingletonScope(); }));
 */
export function registerServices(module: ContainerModule): void {
  const mods = shared().serviceModules;
  if (!mods.includes(module)) mods.push(module);
}

/** The modules `registerServices` collected, in registration order. */
export function registeredServices(): readonly ContainerModule[] {
  return shared().serviceModules;
}

/**
 * `@inject(token)` (with `@optional()` when asked) on a field, applied by a
 * call after the class. The framework's own classes use it: tsx compiles a
 * file it finds no tsconfig for (a tool run from another folder) with
 * standard decorators, which inversify's field decorators do not support.
 */
export function injectField(cls: abstract new (...args: never[]) => unknown, field: string, token: symbol, opts: { optional?: boolean } = {}): void {
  inject(token)(cls.prototype, field);
  if (opts.optional) optional()(cls.prototype, field);
}
