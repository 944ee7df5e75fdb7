/**
 * The Node-only half of pretrained loading: reading a `pretrained` file from
 * disk. Kept apart from `./weights.ts` so a browser bundle can swap this one
 * module out (an exported model has no `pretrained` files to read).
 */
import * as fs from 'fs';
import type { TensorData } from 'fer-mm';
import { readCheckpoint } from 'fer-mm/checkpoint';

/** The tensors of a `.pth` or `.safetensors` file, `state_dict` / `model` unwrapped; `where` names the config key in errors. */
export function readPretrainedFile(file: string, where: string): Map<string, TensorData> {
  if (!fs.existsSync(file)) throw new Error(`${where}: file not found: ${file}`);
  // .pth (face.evoLVe / timm / mmcv) or our .safetensors; `module.` prefixes are stripped
  return readCheckpoint(file, { unwrap: ['state_dict', 'model'] }).stateDict;
}
