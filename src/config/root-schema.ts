/**
 * Schema of the top-level config (the MMCls 0.x shape). Unknown top-level keys
 * are errors (with a did-you-mean). Other areas (the runner) tighten single
 * keys with {@link extendRootSchema}; keys starting with `_` are reserved and
 * removed by the loader before validation.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Component } from '../registry/schema';
import type { ConfigNode } from '../registry/registry';
import { DATASETS, HOOKS, MODELS, OPTIMIZERS, SAMPLERS } from '../registry/root';

const Open = { additionalProperties: true } as const;
const Int = (opts: Record<string, unknown> = {}) => Type.Integer(opts);

/** `paramwise_cfg` of the optimizer (mmcv's DefaultOptimizerConstructor). */
export const ParamwiseCfgSchema = Type.Object(
  {
    custom_keys: Type.Optional(
      Type.Record(
        Type.String(),
        Type.Object({ lr_mult: Type.Optional(Type.Number()), decay_mult: Type.Optional(Type.Number()) }, { additionalProperties: false }),
      ),
    ),
    bias_lr_mult: Type.Optional(Type.Number()),
    bias_decay_mult: Type.Optional(Type.Number()),
    norm_decay_mult: Type.Optional(Type.Number()),
    dwconv_decay_mult: Type.Optional(Type.Number()),
    flat_decay_mult: Type.Optional(Type.Number()),
    bypass_duplicate: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** Per-split DataLoader overrides (`data.train_dataloader`, ...). */
const DataLoaderOverride = Type.Object(
  {
    samples_per_gpu: Type.Optional(Int({ minimum: 1 })),
    workers_per_gpu: Type.Optional(Int({ minimum: 0 })),
    shuffle: Type.Optional(Type.Boolean()),
    drop_last: Type.Optional(Type.Boolean()),
    persistent_workers: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const DataSchema = Type.Object(
  {
    samples_per_gpu: Int({ minimum: 1, description: 'batch size per process' }),
    workers_per_gpu: Int({ minimum: 0, description: 'loader worker threads per process' }),
    train: Type.Optional(Component(DATASETS, { lazy: true })),
    val: Type.Optional(Component(DATASETS, { lazy: true })),
    test: Type.Optional(Component(DATASETS, { lazy: true })),
    train_dataloader: Type.Optional(DataLoaderOverride),
    val_dataloader: Type.Optional(DataLoaderOverride),
    test_dataloader: Type.Optional(DataLoaderOverride),
    sampler: Type.Optional(Component(SAMPLERS, { lazy: true })),
    persistent_workers: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const HookLike = Type.Object({ type: Type.String() }, Open);

/** The default property schemas; `extendRootSchema` replaces single entries. */
function defaultProperties() {
  return {
    // the model's own schema declares its `data_preprocessor` (DataPreprocessorProp)
    model: Component<ConfigNode>(MODELS, { description: 'the classifier' }),
    data: DataSchema,
    optimizer: Component(OPTIMIZERS, { lazy: true, extraArgs: { paramwise_cfg: ParamwiseCfgSchema } }),
    optimizer_config: Type.Object(
      {
        grad_clip: Type.Optional(
          Type.Union([Type.Null(), Type.Object({ max_norm: Type.Number(), norm_type: Type.Optional(Type.Number()) }, { additionalProperties: false })]),
        ),
        type: Type.Optional(Type.String()),
        cumulative_iters: Type.Optional(Int({ minimum: 1 })),
        loss_scale: Type.Optional(Type.Union([Type.Number(), Type.Literal('dynamic'), Type.Object({}, Open)])),
      },
      { additionalProperties: false },
    ),
    lr_config: Type.Object({ policy: Type.String() }, Open),
    momentum_config: Type.Union([Type.Null(), Type.Object({ policy: Type.String() }, Open)]),
    // Other keys belong to the runner it names: Runner.fromCfg checks them against that runner's
    // schema (runners register when the runner package loads, after a config may be validated).
    runner: Type.Object(
      {
        type: Type.String(),
        max_epochs: Type.Optional(Int({ minimum: 0 })),
        max_iters: Type.Optional(Int({ minimum: 0 })),
      },
      Open,
    ),
    evaluation: Type.Object(
      {
        interval: Type.Optional(Int({ minimum: 1 })),
        metric: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
        metric_options: Type.Optional(Type.Object({}, Open)),
      },
      Open,
    ),
    checkpoint_config: Type.Object({ interval: Type.Optional(Int()) }, Open),
    log_config: Type.Object(
      { interval: Type.Optional(Int({ minimum: 1 })), hooks: Type.Optional(Type.Array(HookLike)) },
      { additionalProperties: false },
    ),
    custom_hooks: Type.Array(Component(HOOKS, { lazy: true })),
    // PlateauDetectorHook args (checked when the hook is built); null turns the check off
    plateau_config: Type.Union([Type.Null(), Type.Object({}, Open)]),
    custom_imports: Type.Object(
      {
        imports: Type.Union([Type.String(), Type.Array(Type.String())]),
        allow_failed_imports: Type.Optional(Type.Boolean()),
      },
      { additionalProperties: false },
    ),
    load_from: Type.Union([Type.Null(), Type.String()]),
    resume_from: Type.Union([Type.Null(), Type.String()]),
    workflow: Type.Array(Type.Tuple([Type.Union([Type.Literal('train'), Type.Literal('val')]), Int({ minimum: 1 })])),
    // multi-process training: every BatchNorm2d becomes SyncBatchNorm (torch convert_sync_batchnorm)
    sync_bn: Type.Boolean(),
    // torch.distributed's init_process_group arguments; the engines are described in docs/distributed.md
    dist_params: Type.Object(
      {
        backend: Type.Optional(Type.Union([Type.Literal('gloo'), Type.Literal('mpi'), Type.Literal('nccl')])),
        init_method: Type.Optional(Type.String({ pattern: '^(env://|tcp://.+:\\d+|file:///.+)$' })),
        timeout_s: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
        port: Type.Optional(Int()),
      },
      { additionalProperties: false },
    ),
    log_level: Type.Union([Type.Literal('DEBUG'), Type.Literal('INFO'), Type.Literal('WARNING'), Type.Literal('WARN'), Type.Literal('ERROR')]),
    work_dir: Type.String(),
    seed: Type.Union([Type.Null(), Int()]),
    deterministic: Type.Boolean(),
    gpu_ids: Type.Array(Int({ minimum: 0 })),
    fp16: Type.Union([Type.Null(), Type.Object({}, Open)]),
    cudnn_benchmark: Type.Boolean(),
    opencv_num_threads: Int({ minimum: 0 }),
    mp_start_method: Type.String(),
  };
}

const overrides = new Map<string, TSchema>();
let cached: TSchema | undefined;

/**
 * Replaces the schema of one top-level key (e.g. the runner area tightening
 * `lr_config` or adding a key of its own). Later calls win.
 */
export function extendRootSchema(key: string, schema: TSchema): void {
  if (key.startsWith('_')) throw new Error(`extendRootSchema: '${key}' is reserved (keys starting with '_' are removed by the loader)`);
  overrides.set(key, schema);
  cached = undefined;
}

/** The current root schema: every top-level key optional, unknown keys rejected. */
export function getRootSchema(): TSchema {
  if (cached) return cached;
  const props: Record<string, TSchema> = defaultProperties();
  for (const [k, s] of overrides) props[k] = s;
  const optional: Record<string, TSchema> = {};
  for (const [k, s] of Object.entries(props)) optional[k] = Type.Optional(s);
  cached = Type.Object(optional, { additionalProperties: false });
  return cached;
}

/** Names of the top-level keys the root schema knows. */
export function rootKeys(): string[] {
  return Object.keys((getRootSchema() as unknown as { properties: Record<string, unknown> }).properties);
}

type RootProperties = ReturnType<typeof defaultProperties>;

/** A config value as written in a config file: every key optional, `_delete_` and extra keys allowed. */
export type ConfigValue<T> = T extends readonly unknown[]
  ? Array<ConfigValue<T[number]>>
  : T extends object
    ? { [K in keyof T]?: ConfigValue<T[K]> } & { _delete_?: boolean; [key: string]: unknown }
    : T;

/**
 * The shape of a config file, derived from the root schema (the one
 * description of the config): every top-level key the schema knows, typed as
 * the schema types it, plus `_base_`. Component nodes (`model`, datasets,
 * hooks) are `{ type, ...args }` whose args each component's schema checks.
 */
export type ConfigShape = { [K in keyof RootProperties]?: ConfigValue<Static<RootProperties[K]>> } & {
  _base_?: string | string[];
  model?: ConfigValue<{ type?: string }>;
  [key: string]: unknown;
};

/**
 * A resolved config as the runner APIs and tools read it after validation:
 * each top-level key the root schema knows, typed as the schema types it
 * (component nodes are `ConfigNode`s whose arguments their own schemas
 * checked), plus whatever keys an extension added.
 */
export type RunConfig = { [K in keyof RootProperties]?: Static<RootProperties[K]> } & { [key: string]: unknown };
