/**
 * The demo page: loads an exported model (`?model=URL`, default `model/`),
 * classifies picked, dropped or webcam images, and shows the face (with the
 * patches APViT kept), the class probabilities, the time and the backend.
 * With "find faces" on (the default; `?detect=0` turns it off) every picture
 * goes through face detection and alignment first: photos and webcam frames
 * get each face's box and top expression drawn on them.
 * Every result element carries its full-precision probabilities in
 * `data-probabilities` (JSON), every photo its faces in `data-faces`, for
 * tests and scripts.
 */
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import '@fer-mm/apvit';
import { loadModel, type BrowserBackend, type FaceDetector, type FerModel, type Prediction } from '../src/browser';
import { classifyFaces, drawFaces, faceRecord, type ClassifiedFace } from './faces';
import { loadPageFaceDetector } from './face-models';

const params = new URLSearchParams(location.search);
const modelUrl = params.get('model') ?? 'model/';
const backend = params.get('backend')?.split(',') as BrowserBackend[] | undefined;
const wasmPaths = { 'tfjs-backend-wasm.wasm': wasmPlain, 'tfjs-backend-wasm-simd.wasm': wasmSimd, 'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded };

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = $('status');
const results = $('results');
const showPatches = $<HTMLInputElement>('show-patches');
const detectFaces = $<HTMLInputElement>('detect');
detectFaces.checked = params.get('detect') !== '0';
let done = 0;

function drawFace(img: CanvasImageSource & { width: number; height: number }, p: Prediction): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = 168;
  c.height = 168;
  const ctx = c.getContext('2d')!;
  ctx.drawImage(img, 0, 0, c.width, c.height);
  if (p.patches && showPatches.checked) {
    // shade the patches the last pooling stage dropped; outline the ones APP kept
    const { grid, app, final } = p.patches;
    const s = c.width / grid;
    const kept = new Set(final);
    ctx.fillStyle = 'rgba(0, 0, 0, 0.55)';
    for (let i = 0; i < grid * grid; i++) if (!kept.has(i)) ctx.fillRect((i % grid) * s, Math.floor(i / grid) * s, s, s);
    ctx.strokeStyle = 'rgba(255, 200, 0, 0.9)';
    for (const i of app) ctx.strokeRect((i % grid) * s + 0.5, Math.floor(i / grid) * s + 0.5, s - 1, s - 1);
  }
  return c;
}

function resultElement(model: FerModel, name: string, img: CanvasImageSource & { width: number; height: number }, p: Prediction): HTMLElement {
  const el = document.createElement('div');
  el.className = 'result';
  Object.assign(el.dataset, { file: name, label: String(p.label), className: p.className, probabilities: JSON.stringify(p.probabilities), timeMs: String(p.timeMs) });
  const bars = document.createElement('div');
  bars.className = 'bars';
  bars.innerHTML = `<strong>${name}</strong>`;
  model.classes.forEach((cls, i) => {
    const row = document.createElement('div');
    row.className = i === p.label ? 'bar top' : 'bar';
    row.innerHTML = `<span></span><div class="track"><div class="fill" style="width:${(100 * p.probabilities[i]).toFixed(2)}%"></div></div><span class="value">${(100 * p.probabilities[i]).toFixed(1)}%</span>`;
    row.firstElementChild!.textContent = cls;
    bars.append(row);
  });
  const meta = document.createElement('div');
  meta.className = 'meta';
  meta.textContent = `${p.timeMs.toFixed(1)} ms on ${model.backend}` + (p.patches ? ` · ${p.patches.final.length} of ${p.patches.grid ** 2} patches kept` : '');
  bars.append(meta);
  el.append(drawFace(img, p), bars);
  return el;
}

function showResult(model: FerModel, name: string, img: CanvasImageSource & { width: number; height: number }, p: Prediction): void {
  results.prepend(resultElement(model, name, img, p));
}

/** An RGB crop as a canvas, to show the aligned face the model saw. */
function cropCanvas(c: ClassifiedFace): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  const [h, w, ch] = c.face.aligned.shape;
  Object.assign(canvas, { width: w, height: h });
  const px = new ImageData(w, h);
  for (let i = 0; i < w * h; i++) {
    for (let k = 0; k < 3; k++) px.data[4 * i + k] = c.face.aligned.data[ch * i + (ch === 1 ? 0 : k)];
    px.data[4 * i + 3] = 255;
  }
  canvas.getContext('2d')!.putImageData(px, 0, 0);
  return canvas;
}

/** A photo with its faces drawn, then one result row per face (bars of the aligned crop). */
function photoElement(model: FerModel, name: string, bitmap: ImageBitmap, r: Awaited<ReturnType<typeof classifyFaces>>): HTMLElement {
  const el = document.createElement('div');
  el.className = 'photo';
  Object.assign(el.dataset, { file: name, faces: JSON.stringify(r.faces.map(faceRecord)), timeMs: String(r.timeMs) });
  const canvas = document.createElement('canvas');
  drawFaces(canvas.getContext('2d')!, bitmap, r.width, r.height, r.faces, Math.min(1, 480 / r.width));
  const meta = document.createElement('div');
  meta.className = 'meta';
  meta.textContent = r.faces.length ? `${name}: ${r.faces.length} face(s), ${r.timeMs.toFixed(1)} ms (detection, alignment and the model) on ${model.backend}` : `${name}: no face found (${r.timeMs.toFixed(1)} ms)`;
  el.append(canvas, meta);
  r.faces.forEach((c, i) => el.append(resultElement(model, `${name} · face ${i + 1}`, cropCanvas(c), c.prediction)));
  return el;
}

async function classifyFiles(model: FerModel, detector: FaceDetector, files: File[]): Promise<void> {
  for (const f of files) {
    const bitmap = await createImageBitmap(f, { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
    if (detectFaces.checked) {
      results.prepend(photoElement(model, f.name, bitmap, await classifyFaces(model, detector, bitmap)));
    } else {
      // docs:embed-predict start
      const p = await model.predict(bitmap, { patches: true });
      // docs:embed-predict end
      showResult(model, f.name, bitmap, p);
    }
    document.body.dataset.done = String(++done);
  }
}

async function startWebcam(model: FerModel, detector: FaceDetector): Promise<void> {
  const video = $<HTMLVideoElement>('video');
  video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 } });
  await video.play();
  const live = $<HTMLCanvasElement>('live');
  live.hidden = false;
  const fpsEl = $('fps');
  const liveResults = $('live-results');
  const frame = document.createElement('canvas');
  const times: number[] = [];
  let frames = 0;
  const loop = async () => {
    const w = video.videoWidth, h = video.videoHeight;
    frame.width = w;
    frame.height = h;
    frame.getContext('2d')!.drawImage(video, 0, 0);
    let faces: ClassifiedFace[] = [];
    liveResults.replaceChildren();
    if (detectFaces.checked) {
      faces = (await classifyFaces(model, detector, frame)).faces;
      faces.forEach((c, i) => liveResults.append(resultElement(model, `webcam · face ${i + 1}`, cropCanvas(c), c.prediction)));
    } else {
      // the centre square of the frame, for an already centred face
      const side = Math.min(w, h);
      const sq = document.createElement('canvas');
      sq.width = sq.height = side;
      sq.getContext('2d')!.drawImage(frame, (w - side) / 2, (h - side) / 2, side, side, 0, 0, side, side);
      liveResults.append(resultElement(model, 'webcam', sq, await model.predict(sq, { patches: true })));
    }
    drawFaces(live.getContext('2d')!, frame, w, h, faces, 1);
    const now = performance.now();
    times.push(now);
    if (times.length > 10) times.shift();
    const fps = times.length > 1 ? ((times.length - 1) * 1000) / (now - times[0]) : 0;
    fpsEl.textContent = `${fps.toFixed(1)} frames/s`;
    Object.assign(document.body.dataset, { frames: String(++frames), fps: fps.toFixed(2), liveFaces: JSON.stringify(faces.map(faceRecord)), liveSize: `${w}x${h}` });
    requestAnimationFrame(() => void loop());
  };
  void loop();
}

async function main(): Promise<void> {
  // docs:embed-load start
  const model = await loadModel(modelUrl, { backend, wasmPaths });
  // docs:embed-load end
  const detector = await loadPageFaceDetector();
  document.body.dataset.backend = model.backend;
  document.body.dataset.state = 'ready';
  status.textContent = `model ${modelUrl} (${model.spec.model.type as string}, ${model.spec.dtype}) on ${model.backend}; input ${model.spec.preprocess.size.join('×')}`;
  const file = $<HTMLInputElement>('file');
  file.addEventListener('change', () => {
    const picked = [...(file.files ?? [])];
    file.value = ''; // picking the same file again must classify it again
    void classifyFiles(model, detector, picked);
  });
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => (e.preventDefault(), drop.classList.add('over')));
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    void classifyFiles(model, detector, [...(e.dataTransfer?.files ?? [])].filter((f) => f.type.startsWith('image/')));
  });
  // mediaDevices is missing on insecure (non-localhost http) origins
  if (typeof navigator.mediaDevices?.getUserMedia === 'function') {
    const cam = $<HTMLButtonElement>('webcam');
    cam.hidden = false;
    cam.addEventListener('click', () => void startWebcam(model, detector).catch((e) => (status.textContent = `webcam: ${(e as Error).message}`)));
  }
}

main().catch((e) => {
  document.body.dataset.state = 'error';
  status.textContent = `error: ${(e as Error).message}`;
  console.error(e);
});
