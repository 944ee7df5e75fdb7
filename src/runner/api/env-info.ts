/** The environment summary logged at the start of a run and stored in checkpoints. */
import * as os from 'node:os';
import { tf } from '../../tf';

export function collectEnvInfo(): Record<string, string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pkg = require('../../../package.json') as { name: string; version: string };
  return {
    'sys.platform': `${process.platform} ${os.release()}`,
    Node: process.version,
    CPU: `${os.cpus()[0]?.model ?? 'unknown'} x${os.cpus().length}`,
    'TensorFlow.js': tf.version_core,
    Backend: tf.getBackend() ?? 'none',
    [pkg.name]: pkg.version,
  };
}

export function formatEnvInfo(info: Record<string, string>): string {
  return Object.entries(info)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');
}
