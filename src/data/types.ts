/**
 * Data contracts shared by datasets, transforms, the loader and the runner;
 * defined in `src/contracts/data.ts`.
 *
 * Images travel as plain typed arrays so they can cross worker threads
 * without copies: HWC uint8 BGR (like mmcv), float32 after `Normalize` /
 * `ImageToTensor` (still HWC); the collate lays batches out NHWC.
 */
export type { ImageLayout, ImageArray, Results, Transform, Batch, DatasetLike, EvalDataset, EvalResults, HostTensor } from '../contracts/data';
