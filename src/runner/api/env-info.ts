/** The environment summary logged at the start of a run and stored in checkpoints. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { frameworkPackageRoot } from '../../config/config-spec';
import { tf } from '../../tf';
import { activeBackendInfo } from '../../backend/backend';

export function collectEnvInfo(): Record<string, string> {
  // found by walking up: the built file sits one folder deeper (dist/src/...) than its source
  const pkg = JSON.parse(fs.readFileSync(path.join(frameworkPackageRoot(), 'package.json'), 'utf8')) as { name: string; version: string };
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
