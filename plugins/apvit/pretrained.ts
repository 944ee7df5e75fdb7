/**
 * Key remaps for the APViT pretrained files: face.evoLVe IR-50 here, timm
 * ViT-Small in the core (`remapTimmVit`). Both take the tensors of the file (a state_dict, or a
 * container whose `state_dict` / `model` entry holds it) and return the
 * state_dict to load non-strictly into the standalone backbone.
 */
import { type TensorData, unwrapStateDict } from 'fer-mm';

// the timm ViT remap is generic (the core's); re-exported where APViT users found it
export { remapTimmVit, resizeGridBilinear } from 'fer-mm';

/**
 * face.evoLVe IR-50: flat `body.{n}.*` → `body.{stage}.{unit}.*` for the
 * built stages (units per stage 3, 4, 14 for APViT's `return_index=[2]`).
 * Units past the built stages (n 21-23) and `output_layer.*` keep their
 * names and show up as unexpected keys, exactly as in the official code.
 */
export function remapFaceEvoLVe(sd: Map<string, unknown>, unitsPerStage: number[] = [3, 4, 14]): Map<string, TensorData> {
  const src = unwrapStateDict(sd, ['state_dict']);
  const out = new Map<string, TensorData>();
  for (const [k, v] of src) {
    const m = /^body\.(\d+)\.(.*)$/.exec(k);
    if (!m) {
      out.set(k, v);
      continue;
    }
    let n = Number(m[1]);
    let stage = 0;
    while (stage < unitsPerStage.length && n >= unitsPerStage[stage]) n -= unitsPerStage[stage++];
    out.set(stage < unitsPerStage.length ? `body.${stage}.${n}.${m[2]}` : k, v);
  }
  return out;
}
