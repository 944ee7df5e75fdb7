/**
 * Browser stand-in for `src/models/weights-file.ts` (swapped in by
 * `ferMmBrowser()` in `./vite.ts` and by the package's `browser` field): a
 * browser has no files to read, and an exported model carries its weights
 * without `pretrained` files.
 */
import type { TensorData } from '../contracts/tensor-data';

export function readPretrainedFile(file: string, where: string, _prefix?: string): Map<string, TensorData> {
  throw new Error(`${where}: pretrained files cannot be read in a browser (${file}); export the trained model with tools/export.ts`);
}
