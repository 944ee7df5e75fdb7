/**
 * The Node-only half of `pretrained` / `init_cfg` loading: reading a weights
 * file from disk. Kept apart from the model code so a browser bundle swaps
 * this one module out (`ferMmBrowser()`, the package's `browser` field): an
 * exported model carries its weights and reads no `pretrained` files.
 */
import * as fs from 'fs';
import type { TensorData } from '../contracts/tensor-data';
import { readCheckpoint, selectPrefix } from '../checkpoint/load';

/**
 * The tensors of a `.pth` or `.safetensors` file (`state_dict` / `model`
 * unwrapped, `module.` prefixes stripped), only those under `prefix` when
 * given; `where` names the config key in errors.
 */
export function readPretrainedFile(file: string, where: string, prefix?: string): Map<string, TensorData> {
  if (!fs.existsSync(file)) throw new Error(`${where}: file not found: ${file}`);
  const raw = readCheckpoint(file, { unwrap: ['state_dict', 'model'] }).stateDict;
  return prefix ? selectPrefix(raw, prefix, file) : raw;
}
