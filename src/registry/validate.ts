/**
 * Schema validation of config trees (ajv 8 over TypeBox schemas).
 *
 * `validateConfig` checks the WHOLE config before anything is built: every
 * node whose schema carries `x-registry` has its `type` resolved in that
 * registry and is checked against that component's own schema, recursively.
 * Every problem is collected (never only the first) with its dotted config
 * path, what was expected and what was found; unknown keys get a "did you
 * mean". Importing this module also installs the argument preparer used by
 * `Registry.build` (validate + fill schema defaults, on a clone).
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import type { TSchema } from '@sinclair/typebox';
import {
  LAZY_KEYWORD,
  REGISTRY_KEYWORD,
  rootRegistry,
  setArgsPreparer,
  type ComponentEntry,
  type Registry,
} from './registry';
import { EXTRA_ARGS_KEYWORD, ROLE_KEYWORD } from './schema';
import { closestNames } from '../utils/suggest';

/** One problem found in a config, e.g. `{ path: 'model.backbone.dpeth', message: "unknown key ..." }`. */
export interface ConfigProblem {
  /** Dotted config path (`model.backbone.depth`, `data.train.pipeline.2.size`). */
  path: string;
  message: string;
  expected?: string;
  got?: string;
}

/** Lists every problem of a config (or of one component's arguments). */
export class ConfigValidationError extends Error {
  readonly configPath?: string;
  constructor(
    readonly problems: ConfigProblem[],
    readonly file?: string,
    /** What was validated, e.g. `arguments of core.ResNet` (default: `config`). */
    subject?: string,
  ) {
    super(formatProblems(problems, file, subject));
    this.name = 'ConfigValidationError';
    this.configPath = problems[0]?.path;
  }
}

export function formatProblems(problems: ConfigProblem[], file?: string, subject = 'config'): string {
  const head = `invalid ${subject}${file ? ` ${file}` : ''} (${problems.length} problem${problems.length === 1 ? '' : 's'}):`;
  const lines = problems.map((p) => {
    const [first, ...rest] = p.message.split('\n');
    const prefix = first.startsWith(`${p.path}`) ? '' : `${p.path || '(root)'}: `;
    return [`  - ${prefix}${first}`, ...rest.map((l) => `    ${l}`)].join('\n');
  });
  return [head, ...lines].join('\n');
}

const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true, verbose: true, allowUnionTypes: true });
// Annotation keywords the registry and the builders read; ajv only has to accept them.
for (const keyword of [REGISTRY_KEYWORD, LAZY_KEYWORD, ROLE_KEYWORD, EXTRA_ARGS_KEYWORD]) ajv.addKeyword({ keyword });

const compiled = new WeakMap<object, ValidateFunction>();
function compile(schema: TSchema): ValidateFunction {
  let fn = compiled.get(schema);
  if (!fn) {
    fn = ajv.compile(schema);
    compiled.set(schema, fn);
  }
  return fn;
}

type Obj = Record<string, unknown>;
function isPlainObject(v: unknown): v is Obj {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}
function schemaOf(s: unknown): Obj | undefined {
  return s && typeof s === 'object' ? (s as Obj) : undefined;
}

/** Copies plain objects and arrays; anything else (classes, typed arrays, tensors) is shared. */
export function clonePlain<T>(v: T): T {
  if (Array.isArray(v)) return v.map((x) => clonePlain(x)) as T;
  if (isPlainObject(v)) {
    const out: Obj = {};
    for (const [k, x] of Object.entries(v)) out[k] = clonePlain(x);
    return out as T;
  }
  return v;
}

function joinPath(base: string, key: string | number): string {
  return base ? `${base}.${key}` : String(key);
}

/** `got` text: the value's kind and a short JSON rendering. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'function') return `class ${(v as { name?: string }).name ?? '?'}`;
  const kind = Array.isArray(v) ? 'array' : typeof v;
  let text: string;
  try {
    text = JSON.stringify(v) ?? String(v);
  } catch {
    text = String(v);
  }
  if (text.length > 60) text = `${text.slice(0, 57)}...`;
  return `${kind} ${text}`;
}

/** A short human description of what a schema accepts. */
export function describeSchema(s: unknown): string {
  const sc = schemaOf(s);
  if (!sc) return 'anything';
  if (typeof sc[REGISTRY_KEYWORD] === 'string') return `a ${sc[REGISTRY_KEYWORD]} config node {type: ...}`;
  if ('const' in sc) return JSON.stringify(sc.const);
  if (Array.isArray(sc.enum)) return `one of ${sc.enum.map((x) => JSON.stringify(x)).join(', ')}`;
  for (const key of ['anyOf', 'oneOf'] as const) {
    const alts = sc[key];
    if (Array.isArray(alts)) return alts.map(describeSchema).join(' | ');
  }
  if (sc.type === 'array') return `array of ${describeSchema(sc.items)}`;
  if (Array.isArray(sc.type)) return sc.type.join(' | ');
  if (typeof sc.type === 'string') return sc.type;
  return 'anything';
}

function ajvPath(instancePath: string): string[] {
  return instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/**
 * An already-built component (a class instance, e.g. a dataset a wrapper passes
 * on) stands where a registry node is expected: that is fine, not an error.
 */
function isBuiltComponent(e: ErrorObject): boolean {
  if (e.data === null || typeof e.data !== 'object' || Array.isArray(e.data) || isPlainObject(e.data)) return false;
  const ps = schemaOf(e.parentSchema);
  if (!ps) return false;
  if (typeof ps[REGISTRY_KEYWORD] === 'string') return true;
  const alts = (ps.anyOf ?? ps.oneOf) as unknown;
  return Array.isArray(alts) && alts.some((a) => typeof schemaOf(a)?.[REGISTRY_KEYWORD] === 'string');
}

function toProblems(allErrors: ErrorObject[], base: string): ConfigProblem[] {
  // A failed anyOf/oneOf reports itself once, not once per alternative.
  const unions = allErrors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf').map((e) => e.schemaPath + '/');
  const kept = allErrors.filter((e) => !isBuiltComponent(e) && !unions.some((u) => e.schemaPath.startsWith(u)));
  const out: ConfigProblem[] = [];
  for (const e of kept) {
    let path = ajvPath(e.instancePath).reduce<string>((p, k) => joinPath(p, k), base);
    const got = describeValue(e.data);
    switch (e.keyword) {
      case 'additionalProperties': {
        const key = String((e.params as { additionalProperty: string }).additionalProperty);
        const allowed = Object.keys(schemaOf(schemaOf(e.parentSchema)?.properties) ?? {});
        const near = closestNames(key, allowed, 1);
        path = joinPath(path, key);
        const hint = near.length
          ? `; did you mean '${near[0]}'?`
          : allowed.length
            ? `; allowed keys: ${allowed.join(', ')}`
            : '';
        out.push({ path, message: `unknown key '${key}'${hint}`, expected: near[0] ?? 'no such key', got: key });
        break;
      }
      case 'required': {
        const key = String((e.params as { missingProperty: string }).missingProperty);
        const sub = schemaOf(schemaOf(e.parentSchema)?.properties)?.[key];
        const expected = sub ? describeSchema(sub) : 'a value';
        out.push({ path: joinPath(path, key), message: `missing required key (expected ${expected})`, expected, got: 'nothing' });
        break;
      }
      case 'type': {
        const expected = String((e.params as { type: string | string[] }).type);
        out.push({ path, message: `expected ${expected}, got ${got}`, expected, got });
        break;
      }
      case 'const':
      case 'enum':
      case 'anyOf':
      case 'oneOf': {
        const expected = describeSchema(e.parentSchema);
        out.push({ path, message: `expected ${expected}, got ${got}`, expected, got });
        break;
      }
      default: {
        const expected = (e.message ?? e.keyword).replace(/^must (be )?/, '');
        out.push({ path, message: `expected ${expected}, got ${got}`, expected, got });
      }
    }
  }
  return out;
}

export interface CheckOptions {
  /** Validate component nodes marked `x-lazy` too (default true). */
  lazy?: boolean;
}

/**
 * Validates `value` (mutated: ajv fills defaults, so pass a clone) against
 * `schema` and, recursively, every registry node inside it. Problems are
 * appended to `problems`.
 */
export function checkNode(
  value: unknown,
  schema: TSchema,
  path: string,
  problems: ConfigProblem[],
  opts: CheckOptions = {},
  scope?: string,
): void {
  let validate: ValidateFunction;
  try {
    validate = compile(schema);
  } catch (e) {
    // A broken component schema is the component's bug; say so with the node's path.
    problems.push({ path, message: `the argument schema cannot be compiled: ${(e as Error).message}` });
    return;
  }
  if (!validate(value)) problems.push(...toProblems(validate.errors ?? [], path));
  walkComponents(value, schema, path, problems, opts, scope);
}

/** Checks one `{type, ...args}` node against the registry named by its schema. */
function checkComponent(value: unknown, s: Obj, path: string, problems: ConfigProblem[], opts: CheckOptions, scope?: string): void {
  if (!isPlainObject(value) || !('type' in value)) return; // ajv reported the shape problem already
  const regName = s[REGISTRY_KEYWORD] as string;
  const reg = rootRegistry(regName);
  if (!reg) {
    problems.push({ path, message: `schema names unknown registry '${regName}'` });
    return;
  }
  let start: Registry;
  try {
    start = reg.startFor(scope).scopeFor(value._scope_, path);
  } catch (e) {
    problems.push({ path: joinPath(path, '_scope_'), message: (e as Error).message });
    return;
  }
  const entry = resolveEntry(start, value.type, path, problems);
  if (!entry) return;
  const role = s[ROLE_KEYWORD];
  if (typeof role === 'string' && entry.role && entry.role !== role) {
    problems.push({
      path: joinPath(path, 'type'),
      message: `expected a ${role}, got '${typeof value.type === 'string' ? value.type : entry.name}' which is a ${entry.role}`,
      expected: role,
      got: entry.role,
    });
  }
  const args: Obj = {};
  const extra = schemaOf(s[EXTRA_ARGS_KEYWORD]) ?? {};
  for (const [k, v] of Object.entries(value)) {
    if (k === 'type' || k === '_scope_') continue;
    if (k in extra) {
      checkNode(clonePlain(v), extra[k] as TSchema, joinPath(path, k), problems, opts, scope);
      continue;
    }
    args[k] = clonePlain(v);
  }
  if (entry.schema) checkNode(args, entry.schema, path, problems, opts, entry.registry.scope);
}

function resolveEntry(reg: Registry, type: unknown, path: string, problems: ConfigProblem[]): ComponentEntry | undefined {
  if (typeof type === 'function') {
    const e = reg.root.listAll().find((x) => x.cls === type);
    if (!e) problems.push({ path: joinPath(path, 'type'), message: `class ${describeValue(type)} is not registered in the ${reg.name} registry` });
    return e;
  }
  if (typeof type !== 'string') {
    problems.push({ path: joinPath(path, 'type'), message: `expected a registered name (string), got ${describeValue(type)}`, expected: 'string', got: describeValue(type) });
    return undefined;
  }
  const e = reg.get(type);
  if (!e) {
    problems.push({ path: joinPath(path, 'type'), message: reg.unknownTypeMessage(type, path), expected: 'a registered name', got: type });
  }
  return e;
}

/** Walks `value` alongside `schema`, checking every node marked with `x-registry`. */
function walkComponents(value: unknown, schema: unknown, path: string, problems: ConfigProblem[], opts: CheckOptions, scope?: string): void {
  const s = schemaOf(schema);
  if (!s || value === undefined || value === null) return;
  if (typeof s[REGISTRY_KEYWORD] === 'string') {
    if (s[LAZY_KEYWORD] && opts.lazy === false) return;
    checkComponent(value, s, path, problems, opts, scope);
    return;
  }
  if (Array.isArray(s.allOf)) for (const sub of s.allOf) walkComponents(value, sub, path, problems, opts, scope);
  for (const key of ['anyOf', 'oneOf'] as const) {
    const alts = s[key];
    if (!Array.isArray(alts)) continue;
    // Same choice as Registry.build: a node with `type` goes to the registry alternative.
    const reg = alts.find((a) => typeof schemaOf(a)?.[REGISTRY_KEYWORD] === 'string');
    if (reg && isPlainObject(value) && 'type' in value) return walkComponents(value, reg, path, problems, opts, scope);
    const arr = alts.find((a) => schemaOf(a)?.type === 'array');
    if (arr && Array.isArray(value)) return walkComponents(value, arr, path, problems, opts, scope);
    const obj = alts.find((a) => schemaOf(a)?.type === 'object' && !schemaOf(a)?.[REGISTRY_KEYWORD]);
    if (obj && isPlainObject(value)) return walkComponents(value, obj, path, problems, opts, scope);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => walkComponents(v, s.items, joinPath(path, i), problems, opts, scope));
    return;
  }
  if (isPlainObject(value)) {
    const props = schemaOf(s.properties) ?? {};
    const patterns = Object.values(schemaOf(s.patternProperties) ?? {});
    const extra = schemaOf(s.additionalProperties) ?? patterns[0];
    for (const [k, v] of Object.entries(value)) walkComponents(v, props[k] ?? extra, joinPath(path, k), problems, opts, scope);
  }
}

/** Every problem of `cfg` against `rootSchema` (the config is not modified). */
export function collectConfigProblems(cfg: unknown, rootSchema: TSchema, opts: CheckOptions = {}): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  checkNode(clonePlain(cfg), rootSchema, '', problems, opts);
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Validates the whole config tree before anything is built; throws a
 * {@link ConfigValidationError} listing every problem.
 */
export function validateConfig(cfg: unknown, rootSchema: TSchema, opts: CheckOptions & { file?: string } = {}): void {
  const problems = collectConfigProblems(cfg, rootSchema, opts);
  if (problems.length) throw new ConfigValidationError(problems, opts.file);
}

/**
 * Validates one component's arguments (without `type`) and returns a copy
 * with the schema defaults filled in. Installed as `Registry.build`'s preparer.
 */
export function prepareComponentArgs(entry: ComponentEntry, node: Obj, path: string): Obj {
  if (!entry.schema) return node;
  const args = clonePlain(node);
  const problems: ConfigProblem[] = [];
  // Lazy nodes are checked when their owner builds them (possibly with default args).
  checkNode(args, entry.schema, path, problems, { lazy: false }, entry.registry.scope);
  if (problems.length) {
    throw new ConfigValidationError(problems, undefined, `arguments of ${entry.registry.scope}.${entry.name} at ${path}`);
  }
  return args;
}

setArgsPreparer(prepareComponentArgs);
