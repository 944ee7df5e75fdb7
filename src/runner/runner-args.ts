/**
 * The config keys every registered runner takes (`runner: {type, max_epochs}`).
 * A custom runner registers a schema that spreads these and adds its own keys;
 * `Runner.fromCfg` validates `cfg.runner` against the schema of the runner it
 * names and passes the keys on to its constructor.
 */
import { Type, type Static } from '@sinclair/typebox';

export const RunnerCfgProps = {
  max_epochs: Type.Optional(Type.Integer({ minimum: 0, description: 'epochs to train (epoch-based runners)' })),
  max_iters: Type.Optional(Type.Integer({ minimum: 0, description: 'iterations to train (iter-based runners)' })),
};

export const EpochBasedRunnerCfg = Type.Object(RunnerCfgProps, { additionalProperties: false });
export const IterBasedRunnerCfg = Type.Object(RunnerCfgProps, { additionalProperties: false });
export type RunnerCfgArgs = Static<typeof EpochBasedRunnerCfg>;
