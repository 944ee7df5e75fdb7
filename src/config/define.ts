/**
 * `export default defineConfig({...})`: an identity helper that gives config
 * files editor completion on the top-level keys (typed from the root schema).
 * Configs stay plain objects.
 */
import type { ConfigShape } from './root-schema';

export type { ConfigShape };

export function defineConfig<T extends ConfigShape>(cfg: T): T {
  return cfg;
}
