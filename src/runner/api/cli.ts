/** Helpers shared by the train/test/infer tools: config loading, backend, key=value options. */
import { initBackend } from '../../backend/backend';
import { loadConfig, parseValue } from '../../config';
import { FORBIDDEN_KEYS } from '../../config/merge';
import { loadBuiltinPlugins } from '../../plugins/loader';
import type { Logger } from '../logger';
import type { RunConfig } from './train';

/** Loads and validates a config with `--cfg-options`, after the built-in plugins. */
export function loadRunConfig(file: string, cfgOptions: string[] | undefined, logger: Logger): RunConfig & { text: string } {
  loadBuiltinPlugins();
  const c = loadConfig(file, { cfgOptions, logger });
  c.validate();
  return { cfg: c.cfg, filename: c.filename, plugins: c.plugins, text: c.text };
}

/** `--metric-options topk=[1,2] thrs=0.5` -> `{ topk: [1, 2], thrs: 0.5 }`. */
export function parseKeyValues(pairs: string[] | undefined, flag: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of pairs ?? []) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new Error(`${flag}: expected key=value, got '${p}'`);
    if (FORBIDDEN_KEYS.has(p.slice(0, eq))) throw new Error(`${flag}: the key '${p.slice(0, eq)}' is not allowed`);
    out[p.slice(0, eq)] = parseValue(p.slice(eq + 1));
  }
  return out;
}

/** `--backend NAME|auto|alias`: activates it and logs the choice (package, device, what was skipped). */
export async function selectBackend(name: string | undefined, logger: Logger): Promise<string> {
  return initBackend(name, { logger });
}
