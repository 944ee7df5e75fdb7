/**
 * Work-dir precedence (mmcls 0.x): `--work-dir`, then the config's
 * `work_dir`, then `./work_dirs/<config basename>`.
 */
import * as path from 'node:path';

/** `configs/apvit/RAF.ts` -> `RAF`; `@fer-mm/apvit::RAF.ts` -> `RAF`. */
export function configBasename(configFile: string): string {
  const base = path.basename(configFile.split('::').pop() ?? configFile);
  const ext = path.extname(base);
  return ext ? base.slice(0, -ext.length) : base;
}

export function resolveWorkDir(cliWorkDir: string | undefined | null, cfgWorkDir: unknown, configFile: string): string {
  if (cliWorkDir) return path.resolve(cliWorkDir);
  if (typeof cfgWorkDir === 'string' && cfgWorkDir) return path.resolve(cfgWorkDir);
  return path.resolve('work_dirs', configBasename(configFile || 'config'));
}
