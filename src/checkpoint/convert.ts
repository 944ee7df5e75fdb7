/**
 * Converts a checkpoint between formats (an official mmcv/torch `.pth` → our
 * `.safetensors`, or back), keeping the meta (CLASSES, config text, epoch,
 * iter, hook_msgs, ...) and, on request, the optimizer state.
 */
import * as path from 'path';
import { readCheckpoint, saveCheckpoint, ReviseKeys, DEFAULT_REVISE_KEYS } from './load';
import { numelOf } from './tensor-data';
import { CheckpointError } from './errors';

export interface ConvertOptions {
  /** Carry the optimizer state over (default false: inference/fine-tuning checkpoints). */
  keepOptimizer?: boolean;
  /** Key revisions (default: strip `module.`). */
  reviseKeys?: ReviseKeys;
  /** Container keys that hold the state_dict (default ['state_dict']). */
  unwrap?: string[];
  /** Called when the input has been read and when the output has been written. */
  onStage?: (stage: 'read' | 'written') => void;
}

export interface ConvertSummary {
  input: string;
  output: string;
  tensors: number;
  elements: number;
  metaKeys: string[];
  ignoredKeys: string[];
  optimizer: 'kept' | 'dropped' | 'none';
}

export function convertCheckpoint(input: string, output: string, opts: ConvertOptions = {}): ConvertSummary {
  const ck = readCheckpoint(input, { reviseKeys: opts.reviseKeys ?? DEFAULT_REVISE_KEYS, unwrap: opts.unwrap });
  opts.onStage?.('read');
  const hasOpt = ck.optimizer !== undefined && ck.optimizer !== null;
  const out = path.extname(output) ? output : `${output}.safetensors`;
  let written: string;
  try {
    written = saveCheckpoint(out, {
      stateDict: ck.stateDict,
      meta: ck.meta,
      optimizer: opts.keepOptimizer && hasOpt ? ck.optimizer : undefined,
    });
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    // e.g. an optimizer state read from the input that cannot be packed
    throw new CheckpointError(ck.file, `cannot convert to ${out}: ${(e as Error).message}`);
  }
  opts.onStage?.('written');
  let elements = 0;
  for (const t of ck.stateDict.values()) elements += numelOf(t.shape);
  return {
    input,
    output: written,
    tensors: ck.stateDict.size,
    elements,
    metaKeys: Object.keys(ck.meta),
    ignoredKeys: ck.ignoredKeys,
    optimizer: !hasOpt ? 'none' : opts.keepOptimizer ? 'kept' : 'dropped',
  };
}
