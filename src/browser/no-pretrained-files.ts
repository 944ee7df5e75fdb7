/**
 * Browser stand-in for `plugins/apvit/weights-file.ts` (swapped in by
 * `ferMmBrowser()` in `./vite.ts`): a browser has no files to read, and an
 * exported model carries its weights without `pretrained` files.
 */
import type { TensorData } from '../checkpoint/tensor-data';

export function readPretrainedFile(file: string, where: string): Map<string, TensorData> {
  throw new Error(`${where}: pretrained files cannot be read in a browser (${file}); export the trained model with tools/export.ts`);
}
