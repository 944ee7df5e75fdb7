/**
 * The one tfjs entry point of the project: core ops, every gradient, chained
 * ops and the pure-JS cpu backend. The wasm and tensorflow backends are added
 * by `src/backend/backend.ts` when selected.
 *
 * Gradients and chained ops are only shipped as CommonJS inside the
 * `@tensorflow/tfjs` bundle (tfjs-core's own copies are ES modules, which jest
 * cannot load from node_modules), so that bundle is the entry; its webgl
 * backend cannot run in Node and is unregistered there so it is never tried
 * (a browser bundle keeps it: `src/browser` picks webgpu, webgl or wasm).
 * The bundles load without their source maps (see utils/pause-source-maps).
 */
import { resumeSourceMaps } from './utils/pause-source-maps';
import * as tf from '@tensorflow/tfjs';

// the import above paused source maps for the tfjs bundles (imports run first)
resumeSourceMaps();

const inNode = typeof process !== 'undefined' && Boolean(process.versions?.node);
if (inNode && tf.findBackendFactory('webgl')) tf.removeBackend('webgl');

export { tf };
export type Tensor = tf.Tensor;
