/**
 * The one tfjs entry point of the project: core ops, every gradient, and the
 * pure-JS cpu backend. The wasm and tensorflow backends are added by
 * `src/backend/backend.ts` when selected. Import `tf` from here, never from
 * `@tensorflow/tfjs` (which would also load layers/converter/webgl).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import '@tensorflow/tfjs-backend-cpu';

export { tf };
export type Tensor = tf.Tensor;
