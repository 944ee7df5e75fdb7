/** Helpers shared by the train/test/infer tools: config loading, backend, key=value options. */
import { initBackend } from '../../backend/backend';
import type { TObject } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { loadConfig, parseOptionValue } from '../../config';
import { FORBIDDEN_KEYS } from '../../config/merge';
import type { Logger } from '../logger';
import type { LoadedConfig } from './train';

/** Loads and validates a config with `--cfg-options`, after its `custom_imports` plugins. */
export function loadRunConfig(file: string, cfgOptions: string[] | undefined, logger: Logger): LoadedConfig & { text: string } {
  const c = loadConfig(file, { cfgOptions, logger });
  c.validate();
  return { cfg: c.cfg, filename: c.filename, plugins: c.plugins, text: c.text };
}

/**
 * `--metric-options topk=[1,2] thrs=0.5` -> `{ topk: [1, 2], thrs: 0.5 }`
 * (`a,b` is a list, as mmcv's DictAction). With a `schema`, a value the
 * schema rejects is kept as the raw string when the schema accepts that
 * (`average_mode=none` stays 'none' rather than becoming null).
 */
export function parseKeyValues(pairs: string[] | undefined, flag: string, schema?: TObject): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of pairs ?? []) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new Error(`${flag}: expected key=value, got '${p}'`);
    const key = p.slice(0, eq).trim();
    if (FORBIDDEN_KEYS.has(key)) throw new Error(`${flag}: the key '${key}' is not allowed`);
    const raw = p.slice(eq + 1).trim();
    let value = parseOptionValue(raw);
    const prop = schema?.properties[key];
    if (prop && !Value.Check(prop, value) && Value.Check(prop, raw)) value = raw;
    out[key] = value;
  }
  return out;
}

/** `--backend NAME|auto|alias`: activates it and logs the choice (package, device, what was skipped). */
export async function selectBackend(name: string | undefined, logger: Logger): Promise<string> {
  return initBackend(name, { logger });
}
