/** The environment summary logged at the start of a run and stored in checkpoints. */
import * as os from 'node:os';
import { tf } from '../../tf';
import { activeBackendInfo } from '../../backend/backend';

export function collectEnvInfo(): Record<string, string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pkg = require('../../../package.json') as { name: string; version: string };
  return {
    'sys.platform': `${process.platform} ${os.release()}`,
    Node: process.version,
    CPU: `${os.cpus()[0]?.model ?? 'unknown'} x${os.cpus().length}`,
    'TensorFlow.js': tf.version_core,
    ...backendLines(),
    [pkg.name]: pkg.version,
  };
}

export function formatEnvInfo(info: Record<string, string>): string {
  return Object.entries(info)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');
}

function backendLines(): Record<string, string> {
  if (!tf.getBackend()) return { Backend: 'none' };
  const b = activeBackendInfo();
  return {
    Backend: b.package ? `${b.backend} (${b.package})` : b.backend,
    Device: b.device,
    ...(b.tensorflowVersion ? { TensorFlow: b.tensorflowVersion } : {}),
  };
}
