/**
 * Node's source maps off while prebuilt bundles load. Importing this module
 * pauses them (src/tf.ts imports it just before tfjs); `resumeSourceMaps`
 * restores them. tsx turns source maps on for our TypeScript, and Node then
 * also reads and keeps the map of every bundle it loads: for tfjs's about
 * 50 MB of heap, used only to place stack frames inside tfjs.
 */
/** Whether Node's source maps are on (false outside Node). */
function sourceMapsOn(): boolean {
  return typeof process !== 'undefined' && typeof process.setSourceMapsEnabled === 'function' && process.sourceMapsEnabled;
}

const wasOn = sourceMapsOn();
if (wasOn) process.setSourceMapsEnabled(false);

/** Source maps back as they were before this module paused them. */
export function resumeSourceMaps(): void {
  if (wasOn) process.setSourceMapsEnabled(true);
}

/** Runs `load` (a `require` of a bundle) with source maps off, whatever their state. */
export function withoutSourceMaps<T>(load: () => T): T {
  const on = sourceMapsOn();
  if (on) process.setSourceMapsEnabled(false);
  try {
    return load();
  } finally {
    if (on) process.setSourceMapsEnabled(true);
  }
}
