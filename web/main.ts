/**
 * The demo page: loads an exported model (`?model=URL`, default `model/`),
 * classifies picked, dropped or webcam images, and shows the face (with the
 * patches APViT kept), the class probabilities, the time and the backend.
 * Every result element carries its full-precision probabilities in
 * `data-probabilities` (JSON) for tests and scripts.
 */
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import '@fer-mm/apvit';
import { loadModel, type BrowserBackend, type FerModel, type Prediction } from '../src/browser';

const params = new URLSearchParams(location.search);
const modelUrl = params.get('model') ?? 'model/';
const backend = params.get('backend')?.split(',') as BrowserBackend[] | undefined;
const wasmPaths = { 'tfjs-backend-wasm.wasm': wasmPlain, 'tfjs-backend-wasm-simd.wasm': wasmSimd, 'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded };

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = $('status');
const results = $('results');
const showPatches = $<HTMLInputElement>('show-patches');

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

function showResult(model: FerModel, name: string, img: CanvasImageSource & { width: number; height: number }, p: Prediction): void {
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
  results.prepend(el);
}

async function classifyFiles(model: FerModel, files: File[]): Promise<void> {
  for (const f of files) {
    const bitmap = await createImageBitmap(f, { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
    // docs:embed-predict start
    const p = await model.predict(bitmap, { patches: true });
    // docs:embed-predict end
    showResult(model, f.name, bitmap, p);
  }
  document.body.dataset.done = String(results.children.length);
}

async function startWebcam(model: FerModel): Promise<void> {
  const video = $<HTMLVideoElement>('video');
  video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 } });
  video.hidden = false;
  await video.play();
  const frame = document.createElement('canvas');
  const loop = async () => {
    // the centre square of the frame, as the model expects a face filling the image
    const side = Math.min(video.videoWidth, video.videoHeight);
    frame.width = frame.height = side;
    frame.getContext('2d')!.drawImage(video, (video.videoWidth - side) / 2, (video.videoHeight - side) / 2, side, side, 0, 0, side, side);
    const p = await model.predict(frame, { patches: true });
    results.firstElementChild?.classList.contains('live') && results.firstElementChild.remove();
    showResult(model, 'webcam', frame, p);
    results.firstElementChild!.classList.add('live');
    requestAnimationFrame(() => void loop());
  };
  void loop();
}

async function main(): Promise<void> {
  // docs:embed-load start
  const model = await loadModel(modelUrl, { backend, wasmPaths });
  // docs:embed-load end
  document.body.dataset.backend = model.backend;
  document.body.dataset.state = 'ready';
  status.textContent = `model ${modelUrl} (${model.spec.model.type as string}, ${model.spec.dtype}) on ${model.backend}; input ${model.spec.preprocess.size.join('×')}`;
  const file = $<HTMLInputElement>('file');
  file.addEventListener('change', () => {
    const picked = [...(file.files ?? [])];
    file.value = ''; // picking the same file again must classify it again
    void classifyFiles(model, picked);
  });
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => (e.preventDefault(), drop.classList.add('over')));
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    void classifyFiles(model, [...(e.dataTransfer?.files ?? [])].filter((f) => f.type.startsWith('image/')));
  });
  // mediaDevices is missing on insecure (non-localhost http) origins
  if (typeof navigator.mediaDevices?.getUserMedia === 'function') {
    const cam = $<HTMLButtonElement>('webcam');
    cam.hidden = false;
    cam.addEventListener('click', () => void startWebcam(model).catch((e) => (status.textContent = `webcam: ${(e as Error).message}`)));
  }
}

main().catch((e) => {
  document.body.dataset.state = 'error';
  status.textContent = `error: ${(e as Error).message}`;
  console.error(e);
});
