/**
 * Similarity alignment of a face to the framing of RAF-DB's aligned images,
 * warped with the project's cv2-exact bilinear `warpAffineU8`.
 */
import type { ImageArray } from '../types';
import { warpAffineU8, type Affine } from '../image/warp';

/** An (x, y) point in pixels. */
export type Point = [number, number];

/**
 * The 5 points of a face in a 100x100 RAF-DB aligned image, in the order
 * image-left eye centre, image-right eye centre, nose tip, image-left mouth
 * corner, image-right mouth corner.
 *
 * Derivation (docs/deploy.md, "Face detection and alignment"): the standard
 * 5-point mean face of face alignment (the SphereFace/ArcFace template) fitted
 * by least-squares similarity onto the nominal feature positions of the
 * repository's demo-face generator at 100x100 (`src/data/demo-data.ts`:
 * a face oval centred in the frame, eyes at u = +-0.36, v = -0.12, nose tip at
 * v = 0.25, mouth at v = 0.5 of the oval's radii), which models RAF-DB's
 * aligned framing (the whole face filling the square, eyes a little above the
 * middle). Rounded to 0.1 px and made left-right symmetric.
 */
export const RAF_ALIGNED_TEMPLATE: readonly Point[] = [
  [36.0, 43.8],
  [64.0, 43.8],
  [50.0, 59.8],
  [38.4, 76.2],
  [61.6, 76.2],
];

/** The side of the square the template is given in (RAF-DB's aligned images are 100x100). */
export const RAF_ALIGNED_SIZE = 100;

/**
 * Least-squares similarity transform (rotation, uniform scale, translation;
 * no reflection) mapping `src` points onto `dst` points (Umeyama in 2D).
 */
export function estimateSimilarity(src: readonly Point[], dst: readonly Point[]): Affine {
  if (src.length !== dst.length || src.length < 2) throw new Error(`estimateSimilarity: need matching point lists of 2 or more, got ${src.length} and ${dst.length}`);
  const n = src.length;
  let sx = 0, sy = 0, dx = 0, dy = 0;
  for (let i = 0; i < n; i++) {
    sx += src[i][0] / n;
    sy += src[i][1] / n;
    dx += dst[i][0] / n;
    dy += dst[i][1] / n;
  }
  let a = 0, b = 0, norm = 0;
  for (let i = 0; i < n; i++) {
    const px = src[i][0] - sx, py = src[i][1] - sy;
    const qx = dst[i][0] - dx, qy = dst[i][1] - dy;
    a += px * qx + py * qy;
    b += px * qy - py * qx;
    norm += px * px + py * py;
  }
  if (norm === 0) throw new Error('estimateSimilarity: the source points coincide');
  const c = a / norm, s = b / norm;
  return [c, -s, dx - (c * sx - s * sy), s, c, dy - (s * sx + c * sy)];
}

/** Applies a forward affine to a point. */
export function applyAffine(m: Affine, p: Point): Point {
  return [m[0] * p[0] + m[1] * p[1] + m[2], m[3] * p[0] + m[4] * p[1] + m[5]];
}

/** The template scaled to a `size`x`size` output. */
export function templateFor(size: number, template: readonly Point[] = RAF_ALIGNED_TEMPLATE): Point[] {
  const k = size / RAF_ALIGNED_SIZE;
  return template.map(([x, y]) => [x * k, y * k]);
}

/** The similarity that maps the face's 5 points onto the template at `size`, and the warped crop. */
export function alignFace(img: ImageArray, points5: readonly Point[], size = RAF_ALIGNED_SIZE): { image: ImageArray; matrix: Affine } {
  const matrix = estimateSimilarity(points5, templateFor(size));
  return { image: warpAffineU8(img, matrix, { outH: size, outW: size, borderValue: 0 }), matrix };
}
