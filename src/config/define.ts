/**
 * `export default defineConfig({...})`: an identity helper that gives config
 * files editor completion on the top-level keys. Configs stay plain objects.
 */
export interface ConfigShape {
  _base_?: string | string[];
  model?: Record<string, unknown> & { type?: string };
  data?: Record<string, unknown>;
  optimizer?: Record<string, unknown>;
  optimizer_config?: Record<string, unknown>;
  lr_config?: Record<string, unknown>;
  runner?: { type?: string; max_epochs?: number; max_iters?: number };
  evaluation?: Record<string, unknown>;
  checkpoint_config?: Record<string, unknown>;
  log_config?: Record<string, unknown>;
  custom_hooks?: Array<Record<string, unknown>>;
  plateau_config?: Record<string, unknown> | null;
  custom_imports?: { imports: string | string[]; allow_failed_imports?: boolean };
  load_from?: string | null;
  resume_from?: string | null;
  workflow?: Array<[string, number]>;
  [key: string]: unknown;
}

export function defineConfig<T extends ConfigShape>(cfg: T): T {
  return cfg;
}
