/**
 * Loading the `pretrained` files of the APViT backbones (spec §6): read a
 * torch `.pth` (or one of our `.safetensors` files), unwrap `state_dict` / `model`, apply the key remap of
 * `./pretrained.ts` (face.evoLVe IR-50, timm ViT), and load non-strictly,
 * logging what was missing or unexpected like mmcv's `load_state_dict`.
 */
import { isTensorData, readPretrainedFile, formatLoadReport, logInfo, logWarn, type BuildContext, type TensorData, type LoadReport, type Module } from 'fer-mm';
import { remapFaceEvoLVe, remapTimmVit } from './pretrained';

export type PretrainedFormat = 'face.evoLVe' | 'timm-vit';

export interface PretrainedOptions {
  /** timm: the model's patch_num (pos_embed is resized to it). */
  patchNum?: number;
  /** face.evoLVe: units of the built stages (flat body.N indices are split by these). */
  unitsPerStage?: number[];
}

function entriesOf(v: unknown): Array<[string, unknown]> | undefined {
  if (v instanceof Map) return [...v.entries()].map(([k, x]) => [String(k), x]);
  if (v && typeof v === 'object' && !Array.isArray(v) && !isTensorData(v)) return Object.entries(v as Record<string, unknown>);
  return undefined;
}

/** The tensor map of a checkpoint object: itself, or its `state_dict` / `model` entry. */
export function extractStateDict(obj: unknown, file: string): Map<string, TensorData> {
  let top = entriesOf(obj);
  if (!top) throw new Error(`${file}: checkpoint is not a dict`);
  for (const key of ['state_dict', 'model']) {
    const inner = top.find(([k]) => k === key);
    const innerEntries = inner ? entriesOf(inner[1]) : undefined;
    if (innerEntries) {
      top = innerEntries;
      break;
    }
  }
  const sd = new Map<string, TensorData>();
  for (const [k, v] of top) {
    if (isTensorData(v)) sd.set(k.replace(/^module\./, ''), v as TensorData);
  }
  if (sd.size === 0) throw new Error(`${file}: no tensors found in the checkpoint`);
  return sd;
}

/** Reads `file`, remaps it for `format`, loads it into `m` (strict=false) and logs the report. */
export async function loadPretrainedInto(
  m: Module,
  file: string,
  format: PretrainedFormat,
  ctx?: BuildContext,
  opts: PretrainedOptions = {},
): Promise<LoadReport> {
  const where = ctx?.path ? `${ctx.path}.pretrained` : 'pretrained';
  const raw = readPretrainedFile(file, where);
  const sd = format === 'face.evoLVe' ? remapFaceEvoLVe(raw, opts.unitsPerStage) : remapTimmVit(raw, opts.patchNum ?? 196);
  const report = m.loadStateDict(sd, { strict: false });
  logInfo(ctx, `${where}: loaded ${file} (${format})`);
  const text = formatLoadReport(report);
  if (text) logWarn(ctx, text);
  return report;
}
