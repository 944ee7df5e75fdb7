/**
 * Per-sample pictures of a test run (test --show-dir, analyze-results): the
 * image files of the config's test split, and one captioned tile per sample
 * with the predicted class and score (green when right, red when wrong) and
 * the true class.
 */
import * as path from 'node:path';
import { SingleProcessDist } from '../../src/runner/dist';
import { buildSplitLoader } from '../../src/runner/api/build';
import { captionedImage } from '../../src/visualization/annotate';

import type { Dict } from '../../src/utils/dict';

export interface TestImage {
  file: string;
  gtLabel?: number;
}

/** The test split's image paths and labels, in dataset order. */
export async function testImages(cfg: Dict): Promise<TestImage[]> {
  const loader = buildSplitLoader(cfg, 'test', { seed: 0, dist: new SingleProcessDist(), workers: 0 });
  try {
    const ds = loader.dataset as unknown as { length: number; getAnnInfo(i: number): Dict };
    return Array.from({ length: ds.length }, (_, i) => {
      const info = ds.getAnnInfo(i);
      const name = (info.img_info as Dict | undefined)?.filename;
      if (typeof name !== 'string') throw new Error(`test split sample ${i} has no image file (in-memory datasets such as FER2013 cannot be drawn yet)`);
      const prefix = info.img_prefix;
      return { file: typeof prefix === 'string' && prefix ? path.join(prefix, name) : name, gtLabel: typeof info.gt_label === 'number' ? info.gt_label : undefined };
    });
  } finally {
    await loader.close();
  }
}

export const RIGHT = '#1a7f37';
export const WRONG = '#c62828';

/** One tile: the image, then `pred: <class> (<score>)`, `true: <class>` and the file name. */
export function sampleTile(img: TestImage, pred: { label: number; score: number }, classes: string[], width = 224): Promise<Buffer> {
  const name = (l: number) => classes[l] ?? String(l);
  const ok = img.gtLabel === undefined ? undefined : img.gtLabel === pred.label;
  return captionedImage(
    img.file,
    [
      { text: `pred: ${name(pred.label)} (${pred.score.toFixed(3)})`, color: ok === undefined ? '#222' : ok ? RIGHT : WRONG, bold: true },
      { text: `true: ${img.gtLabel === undefined ? '?' : name(img.gtLabel)}` },
      { text: path.basename(img.file), color: '#666' },
    ],
    width,
  );
}
