/**
 * How the runner reads and writes checkpoints, over `src/checkpoint`. Kept
 * behind an interface so tests (and a future remote store) can swap it.
 *
 * A training checkpoint holds: the model state_dict, `meta` (epoch, iter,
 * config text, CLASSES, seed, hook states incl. the LR schedule and best
 * score, RNG and sampler state), the optimizer state, and extra tensor groups
 * (EMA weights).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { tf } from '../tf';
import { DiskFileIO } from '../checkpoint/file-io';
import type { FileIO } from '../contracts/services';
import { readCheckpoint, saveCheckpoint } from '../checkpoint/load';
import { resolveCheckpointPath } from '../checkpoint/latest';

export interface CheckpointToWrite {
  stateDict: Map<string, tf.Tensor>;
  meta: Record<string, unknown>;
  optimizer?: unknown;
  extraTensors?: Map<string, { data: Float32Array; shape: number[] }>;
}

export interface ReadCheckpoint {
  /** Values are checkpoint TensorData (what `Module.loadStateDict` accepts). */
  stateDict: Map<string, never>;
  meta: Record<string, unknown>;
  optimizer?: unknown;
  extraTensors?: Map<string, { data: Float32Array; shape: number[] }>;
}

export interface CheckpointIO {
  /** File extension our checkpoints get (with the dot), e.g. `.ckpt`. */
  readonly ext: string;
  save(file: string, ckpt: CheckpointToWrite): Promise<void>;
  read(file: string): Promise<ReadCheckpoint>;
  /** Writes `<dir>/latest`, a text file holding the name of the newest checkpoint. */
  writeLatest(dir: string, filename: string): Promise<void>;
}

/** The name `latest` points to, or undefined when there is no (valid) pointer in `dir`. */
export function readLatest(dir: string): string | undefined {
  const p = path.join(dir, 'latest');
  if (!fs.existsSync(p)) return undefined;
  const name = fs.readFileSync(p, 'utf8').trim();
  const target = path.resolve(dir, name);
  return name && fs.existsSync(target) ? target : undefined;
}

export { resolveCheckpointPath } from '../checkpoint/latest';

const NUMBERED = /^(?:epoch|iter)_(\d+)\.(?:safetensors|pth|pt)$/;

/**
 * The checkpoint `--resume` continues from: `latest`, else the newest
 * `epoch_N`/`iter_N` that reads as a training checkpoint (a run killed after
 * its first checkpoint but before `latest` was written still resumes).
 */
export function findResumeCheckpoint(dir: string, onSkip?: (file: string, why: string) => void): string | undefined {
  const latest = readLatest(dir);
  if (latest) return latest;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return undefined;
  }
  const numbered = names
    .map((n) => ({ n, m: NUMBERED.exec(n) }))
    .filter((x): x is { n: string; m: RegExpExecArray } => x.m !== null)
    .sort((a, b) => Number(b.m[1]) - Number(a.m[1]));
  for (const { n } of numbered) {
    const file = path.join(dir, n);
    try {
      const meta = readCheckpoint(file).meta;
      if (typeof meta.epoch === 'number' && typeof meta.iter === 'number') return file;
      onSkip?.(file, 'no epoch/iter in its meta');
    } catch (e) {
      onSkip?.(file, (e as Error).message);
    }
  }
  return undefined;
}

/** Marks the runner's container in the checkpoint's optimizer slot (optimizer state + extra tensors). */
const RUNNER_STATE_MARK = 'fer-mm-runner-state';

interface RunnerStateContainer {
  format: typeof RUNNER_STATE_MARK;
  optimizer: unknown;
  extra: Record<string, { shape: number[]; data: Float32Array }>;
}

function isRunnerState(x: unknown): x is RunnerStateContainer {
  return !!x && typeof x === 'object' && (x as { format?: unknown }).format === RUNNER_STATE_MARK;
}

/**
 * Checkpoints through `src/checkpoint`: one safetensors file written
 * atomically through `fileIO` (weights + meta + optimizer), or an mmcv `.pth`
 * when the name ends in `.pth`. Reading accepts both formats and official `.pth` files.
 */
export function defaultCheckpointIO(fileIO: FileIO = new DiskFileIO()): CheckpointIO {
  return {
    ext: '.safetensors',
    async save(file, c) {
      const extra: RunnerStateContainer['extra'] = {};
      for (const [k, v] of c.extraTensors ?? []) extra[k] = { shape: v.shape, data: v.data };
      const hasExtra = Object.keys(extra).length > 0;
      const optimizer =
        c.optimizer === undefined && !hasExtra ? undefined : ({ format: RUNNER_STATE_MARK, optimizer: c.optimizer ?? null, extra } as RunnerStateContainer);
      saveCheckpoint(file, { stateDict: c.stateDict, meta: c.meta, optimizer }, (f, data) => fileIO.writeFileAtomic(f, data));
    },
    async read(file) {
      const c = readCheckpoint(resolveCheckpointPath(file));
      let optimizer: unknown = c.optimizer;
      const extraTensors = new Map<string, { data: Float32Array; shape: number[] }>();
      if (isRunnerState(c.optimizer)) {
        optimizer = c.optimizer.optimizer ?? undefined;
        for (const [k, v] of Object.entries(c.optimizer.extra ?? {})) extraTensors.set(k, { shape: v.shape, data: v.data });
      } else if (c.format === 'pth') {
        // A torch optimizer state cannot drive our optimizers.
        optimizer = undefined;
      }
      return { stateDict: c.stateDict as Map<string, never>, meta: c.meta as Record<string, unknown>, optimizer, extraTensors };
    },
    async writeLatest(dir, filename) {
      fileIO.writeFileAtomic(path.join(dir, 'latest'), filename + '\n');
    },
  };
}
