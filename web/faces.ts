/**
 * The page's face path: find, align and classify every face of a picture
 * (a photo or a webcam frame), and draw the boxes and top expressions on it.
 */
import { rgbaOf, rgbaOfRgb, rgbOfRgba, type DetectedFace, type FaceDetector, type FerModel, type ImageSource, type Prediction } from '../src/browser';

export interface ClassifiedFace {
  face: DetectedFace;
  prediction: Prediction;
}

/** Every face of `image`, aligned and classified; `timeMs` covers detection, alignment and the model. */
export async function classifyFaces(model: FerModel, detector: FaceDetector, image: ImageSource): Promise<{ faces: ClassifiedFace[]; timeMs: number; width: number; height: number }> {
  const t0 = performance.now();
  const rgba = rgbaOf(image);
  const found = await detector.detect(rgbOfRgba(rgba));
  const faces: ClassifiedFace[] = [];
  for (const face of found) faces.push({ face, prediction: await model.predict(rgbaOfRgb(face.aligned), { patches: true }) });
  return { faces, timeMs: performance.now() - t0, width: rgba.width, height: rgba.height };
}

/** What the page records per face in `data-faces` (full precision, for tests and scripts). */
export function faceRecord({ face, prediction }: ClassifiedFace) {
  return { box: face.box, landmarks: face.landmarks, score: face.score, probabilities: prediction.probabilities, label: prediction.label, className: prediction.className };
}

const COLORS = ['#e83', '#1f77b4', '#2ca02c', '#d62728', '#9467bd'];

/** Draws `image` scaled by `scale` on `ctx` with each face's box, landmarks and top expression. */
export function drawFaces(ctx: CanvasRenderingContext2D, image: CanvasImageSource, width: number, height: number, faces: ClassifiedFace[], scale: number): void {
  ctx.canvas.width = Math.round(width * scale);
  ctx.canvas.height = Math.round(height * scale);
  ctx.drawImage(image, 0, 0, ctx.canvas.width, ctx.canvas.height);
  const font = Math.max(12, Math.round(ctx.canvas.width / 30));
  ctx.font = `bold ${font}px system-ui, sans-serif`;
  ctx.lineWidth = 2;
  faces.forEach(({ face, prediction }, i) => {
    const color = COLORS[i % COLORS.length];
    const [x1, y1, x2, y2] = face.box.map((v) => v * scale);
    ctx.strokeStyle = ctx.fillStyle = color;
    ctx.strokeRect(x1, y1, x2 - x1, y2 - y1);
    for (const [x, y] of face.landmarks) ctx.fillRect(x * scale - 2, y * scale - 2, 4, 4);
    const label = `${prediction.className} ${(100 * prediction.probabilities[prediction.label]).toFixed(0)}%`;
    const ty = y1 > font + 4 ? y1 - 4 : y2 + font;
    ctx.lineWidth = 3;
    ctx.strokeStyle = 'white';
    ctx.strokeText(label, x1, ty);
    ctx.fillText(label, x1, ty);
    ctx.lineWidth = 2;
  });
}
