/** APViT's kept patches for one image, mapped back to the token grid (APP, then each ATP block). */

export interface PoolingTraceLike {
  app: number[][] | null;
  atp: Array<number[][] | null>;
}

export interface KeptPatches {
  /** Side of the square token grid (sqrt(patch_num)). */
  grid: number;
  /** Row-major patch indices APP kept. */
  app: number[];
  /** Patch indices still present after the last ATP block. */
  final: number[];
}

/** ATP indices point into the previous stage's token list, whose position 0 is the CLS token. */
export function keptPatches(trace: PoolingTraceLike, patchNum: number, b = 0): KeptPatches {
  const all = Array.from({ length: patchNum }, (_, i) => i);
  const app = trace.app ? trace.app[b] : all;
  let tokens = [-1, ...app];
  for (const keep of trace.atp) if (keep) tokens = keep[b].map((j) => tokens[j]);
  return { grid: Math.round(Math.sqrt(patchNum)), app: [...app], final: tokens.filter((t) => t >= 0) };
}
