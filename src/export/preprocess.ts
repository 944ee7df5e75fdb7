/** The {@link PreprocessSpec} of a config's test pipeline (what an exported model needs to prepare an image). */
import type { PreprocessSpec, PreprocessStep } from './format';

/** Image steps a browser can run: they only need the decoded pixels. */
export const BROWSER_PREPROCESS_STEPS = ['Resize', 'CenterCrop', 'Normalize'];
/** Steps that only pack the result into tensors/keys: nothing to do on pixels. */
const FORMATTING_STEPS = ['ImageToTensor', 'ToTensor', 'Collect', 'ToNumpy', 'Transpose'];

import type { Dict } from '../utils/dict';

function pair(v: unknown, where: string): [number, number] {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number')) return [v[0] as number, v[1] as number];
  throw new Error(`${where}: expected an int or [h, w], got ${JSON.stringify(v)}`);
}

/** Reads `pipeline` (the config's `data.test.pipeline`); errors name the step, e.g. `data.test.pipeline[2] (RandomFlip)`. */
export function preprocessSpec(pipeline: unknown[]): PreprocessSpec {
  let loadOrder: 'bgr' | 'rgb' = 'bgr';
  const steps: PreprocessStep[] = [];
  let size: [number, number] | undefined;
  let interpolation = 'bilinear';
  let norm: { mean: number[]; std: number[]; to_rgb: boolean } | undefined;
  pipeline.forEach((raw, i) => {
    const s = raw as Dict;
    const where = `data.test.pipeline[${i}] (${String(s?.type)})`;
    if (s.type === 'LoadImageFromFile') {
      if (i !== 0) throw new Error(`${where}: must be the first step`);
      loadOrder = s.channel_order === 'rgb' ? 'rgb' : 'bgr';
      return;
    }
    if (FORMATTING_STEPS.includes(String(s.type))) return;
    if (!BROWSER_PREPROCESS_STEPS.includes(String(s.type))) {
      throw new Error(`${where}: cannot be exported; an exported model supports ${BROWSER_PREPROCESS_STEPS.join(', ')} in the test pipeline`);
    }
    if (norm) throw new Error(`${where}: only formatting steps may follow Normalize in an exported pipeline`);
    steps.push({ ...s } as PreprocessStep);
    if (s.type === 'Resize') {
      const [h, w] = pair(s.size, `${where}.size`);
      size = w === -1 ? undefined : [h, w];
      interpolation = typeof s.interpolation === 'string' ? s.interpolation : 'bilinear';
    } else if (s.type === 'CenterCrop') {
      size = pair(s.crop_size, `${where}.crop_size`);
    } else {
      norm = { mean: s.mean as number[], std: s.std as number[], to_rgb: s.to_rgb !== false };
    }
  });
  if (!size) throw new Error('data.test.pipeline: no Resize/CenterCrop gives a fixed input size; an exported model needs one');
  if (!norm) throw new Error('data.test.pipeline: no Normalize step; an exported model needs the mean/std');
  const flip = norm.to_rgb;
  const channelOrder = flip ? (loadOrder === 'bgr' ? 'rgb' : 'bgr') : loadOrder;
  return { load_channel_order: loadOrder, steps, size, channel_order: channelOrder, mean: norm.mean, std: norm.std, interpolation };
}
