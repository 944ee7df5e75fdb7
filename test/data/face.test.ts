/**
 * Face detection and alignment on a real photo (test/fixtures/faces): one face
 * found where it is, rotated copies aligned with level eyes and centred, two
 * faces, grey, tiny and faceless images, no tensor leak, and the same boxes on
 * wasm and the native backend (or cpu without it).
 */
import { initBackend, loadBackendPackage } from '../../src/backend/backend';
import { applyAffine, estimateSimilarity, RAF_ALIGNED_TEMPLATE, type Point } from '../../src/data/face/align';
import type { FaceDetector } from '../../src/data/face/detector';
import { loadFaceDetector } from '../../src/data/face/node-models';
import { tf } from '../../src/tf';
import type { ImageArray } from '../../src/data/types';
import { astronaut, noFace, rotated, twoFaces } from './face-photos';

let detector: FaceDetector;
let photo: ImageArray;

beforeAll(async () => {
  await initBackend('wasm');
  detector = await loadFaceDetector();
  photo = await astronaut();
}, 60000);
afterAll(() => detector?.dispose());

const angleDeg = (a: Point, b: Point) => (Math.atan2(b[1] - a[1], b[0] - a[0]) * 180) / Math.PI;

describe('estimateSimilarity', () => {
  it('recovers a known rotation, scale and shift exactly, and fits the template onto itself as the identity', () => {
    const m: [number, number, number, number, number, number] = [1.2 * Math.cos(0.3), -1.2 * Math.sin(0.3), 5, 1.2 * Math.sin(0.3), 1.2 * Math.cos(0.3), -7];
    const src = RAF_ALIGNED_TEMPLATE.map((p) => [...p] as Point);
    const got = estimateSimilarity(src, src.map((p) => applyAffine(m, p)));
    got.forEach((v, i) => expect(v).toBeCloseTo(m[i], 9));
    estimateSimilarity(src, src).forEach((v, i) => expect(v).toBeCloseTo([1, 0, 0, 0, 1, 0][i], 9));
    expect(() => estimateSimilarity([[1, 1], [1, 1]], [[0, 0], [1, 1]])).toThrow(/coincide/);
  });
});

describe('FaceDetector on a real photo', () => {
  it('finds the one face with its landmarks in place, and an aligned 100x100 crop', async () => {
    const faces = await detector.detect(photo);
    expect(faces).toHaveLength(1);
    const [f] = faces;
    // the face of the 256x256 photo: roughly x 88-136, y 34-88 (checked by eye on the annotated photo)
    const [x1, y1, x2, y2] = f.box;
    expect(x1).toBeGreaterThan(80);
    expect(x2).toBeLessThan(145);
    expect(y1).toBeGreaterThan(25);
    expect(y2).toBeLessThan(95);
    expect(f.score).toBeGreaterThan(0.7);
    const [le, re, nose, ml, mr] = f.landmarks;
    expect(le[0]).toBeLessThan(nose[0]);
    expect(nose[0]).toBeLessThan(re[0]);
    expect(Math.max(le[1], re[1])).toBeLessThan(nose[1]);
    expect(nose[1]).toBeLessThan(Math.min(ml[1], mr[1]));
    expect(ml[0]).toBeLessThan(mr[0]);
    expect(f.aligned.shape).toEqual([100, 100, 3]);
    // the landmarks land near the template: a least-squares fit over 5 points of a broadly smiling
    // face (its wide, raised mouth corners sit about 5 px above and outside the template's
    // neutral mouth, which pulls the fit, so the nose tip lands about 6 px low)
    f.landmarks.forEach((p, i) => {
      const q = applyAffine(f.matrix, p);
      expect(Math.hypot(q[0] - RAF_ALIGNED_TEMPLATE[i][0], q[1] - RAF_ALIGNED_TEMPLATE[i][1])).toBeLessThan(i < 2 ? 3 : 7);
    });
  }, 30000);

  it.each([-30, -12, 15, 35])('a copy rotated by %i degrees aligns with level eyes (within 2 degrees) and centred', async (deg) => {
    const [ref] = await detector.detect(photo);
    const r = rotated(photo, deg);
    const faces = await detector.detect(r.image);
    expect(faces).toHaveLength(1);
    // where the eyes and the mouth really are in the rotated copy: the upright photo's points, rotated
    const truth = ref.landmarks.map((p) => applyAffine(r.matrix, p));
    const m = faces[0].matrix;
    const [le, re] = [applyAffine(m, truth[0]), applyAffine(m, truth[1])];
    expect(Math.abs(angleDeg(le, re))).toBeLessThan(2);
    // centred: the eye midpoint lands where the template puts it, and every point where the
    // upright photo's alignment puts it, within 2 px of 100
    const mid = [(le[0] + re[0]) / 2, (le[1] + re[1]) / 2];
    expect(Math.abs(mid[0] - 50)).toBeLessThan(3);
    expect(Math.abs(mid[1] - 43.8)).toBeLessThan(3);
    truth.forEach((p, i) => {
      const [a, b] = [applyAffine(m, p), applyAffine(ref.matrix, ref.landmarks[i])];
      expect(Math.hypot(a[0] - b[0], a[1] - b[1])).toBeLessThan(2);
    });
  }, 30000);

  it('finds both faces of two photos side by side (a wide photo, padded to a square), left to right', async () => {
    const faces = await detector.detect(twoFaces(photo));
    expect(faces).toHaveLength(2);
    const [a, b] = faces;
    expect(a.box[2]).toBeLessThan(256);
    expect(b.box[0]).toBeGreaterThan(256);
    // the right one is the mirror image of the left one
    expect(Math.abs(a.box[0] + b.box[2] - 512)).toBeLessThan(3);
    expect(Math.abs(a.box[1] - b.box[1])).toBeLessThan(3);
  }, 30000);

  it('finds the face of the grey photo where it is in colour, and keeps one channel in the crop', async () => {
    const [c] = await detector.detect(photo);
    const grey = await astronaut({ grey: true });
    const faces = await detector.detect(grey);
    expect(faces).toHaveLength(1);
    faces[0].box.forEach((v, i) => expect(Math.abs(v - c.box[i])).toBeLessThan(3));
    expect(faces[0].aligned.shape).toEqual([100, 100, grey.shape[2]]);
  }, 30000);

  it('returns no face, without an error, for a faceless image, a tiny image and a 1x1 image', async () => {
    expect(await detector.detect(noFace())).toEqual([]);
    expect(await detector.detect({ data: photo.data.slice(0, 12 * 12 * 3), shape: [12, 12, 3] })).toEqual([]);
    expect(await detector.detect({ data: new Uint8Array(3), shape: [1, 1, 3] })).toEqual([]);
    await expect(detector.detect({ data: new Uint8Array(16), shape: [2, 2, 4] })).rejects.toThrow(/4 channels/);
  }, 30000);

  it('keeps the tensor count constant across photos', async () => {
    await detector.detect(photo);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await detector.detect(i % 2 ? photo : twoFaces(photo));
    expect(tf.memory().numTensors).toBe(before);
  }, 30000);

  it('gives the same box and landmarks within a pixel on wasm and on the native (or cpu) backend', async () => {
    const [w] = await detector.detect(photo);
    const other = loadBackendPackage('tensorflow').ok ? 'tensorflow' : 'cpu';
    await initBackend(other);
    try {
      const [t] = await detector.detect(photo);
      t.box.forEach((v, i) => expect(Math.abs(v - w.box[i])).toBeLessThan(1));
      t.landmarks.forEach((p, i) => p.forEach((v, k) => expect(Math.abs(v - w.landmarks[i][k])).toBeLessThan(1)));
    } finally {
      await initBackend('wasm');
    }
  }, 60000);
});
