/**
 * `Config`: a loaded, merged config plus where it came from. `loadConfig`
 * does the whole MMCV `Config.fromfile` job: read the file and its `_base_`
 * chain, apply `--cfg-options`, import `custom_imports` plugins and (unless
 * told not to) validate the whole tree against the root schema.
 */
import fs from 'fs';
import type { TSchema } from '@sinclair/typebox';
import { applyCfgOptions, parseCfgOptions, type CfgOption } from './cfg-options';
import { resolveConfigFile } from './loader';
import { cleanCopy, type Dict } from './merge';
import { dumpConfig, type DumpFormat } from './dump';
import { getRootSchema, type RunConfig } from './root-schema';
import { collectConfigProblems, ConfigValidationError, type ConfigProblem } from '../registry/validate';
import { importCustomModules, type LoadedPlugin, type WarnSink } from '../plugin-loader/loader';

export class Config {
  /** Absolute path of the config file (empty for configs made in code). */
  readonly filename: string;
  /** The file and its bases, the file itself last. */
  readonly files: string[];
  /** The merged config (plain JSON-like data), typed by the root schema; `validate()` checks that it is. */
  readonly cfg: RunConfig;

  constructor(cfg: Dict, opts: { filename?: string; files?: string[] } = {}) {
    this.cfg = cfg as RunConfig;
    this.filename = opts.filename ?? '';
    this.files = opts.files ?? (opts.filename ? [opts.filename] : []);
  }

  /** MMCV's `Config.fromfile`: same as {@link loadConfig}. */
  static fromFile(file: string, opts: LoadConfigOptions = {}): Config & { plugins: LoadedPlugin[] } {
    return loadConfig(file, opts);
  }

  /** Source texts of the file and its bases (MMCV's `Config.text`). */
  get text(): string {
    return this.files.map((f) => `// ${f}\n${fs.readFileSync(f, 'utf8')}`).join('\n');
  }

  /** The resolved config as pretty JSON (what print-config prints). */
  get prettyText(): string {
    return dumpConfig(this.cfg, 'json');
  }

  /** The value at a dotted path (`data.train.pipeline.0.type`), or undefined. */
  get(dotted: string): unknown {
    let cur: unknown = this.cfg;
    for (const seg of dotted.split('.')) {
      if (cur === null || typeof cur !== 'object') return undefined;
      cur = (cur as Record<string, unknown>)[seg];
    }
    return cur;
  }

  /** A deep copy of the data. */
  toObject(): Dict {
    return cleanCopy(this.cfg);
  }

  /** A new Config with `--cfg-options` style overrides applied. */
  withOptions(options: string[] | CfgOption[]): Config {
    const parsed = options.length && typeof options[0] === 'string' ? parseCfgOptions(options as string[]) : (options as CfgOption[]);
    return new Config(applyCfgOptions(this.cfg, parsed), { filename: this.filename, files: this.files });
  }

  /** Every validation problem (empty when valid). */
  problems(schema: TSchema = getRootSchema()): ConfigProblem[] {
    return collectConfigProblems(this.cfg, schema);
  }

  /** Throws a ConfigValidationError listing every problem. */
  validate(schema: TSchema = getRootSchema()): this {
    const problems = this.problems(schema);
    if (problems.length) throw new ConfigValidationError(problems, this.filename || undefined);
    return this;
  }

  dump(format: DumpFormat = 'json'): string {
    return dumpConfig(this.cfg, format, this.filename);
  }
}

export interface LoadConfigOptions {
  /** `--cfg-options` tokens (`a.b=1`) or parsed options. */
  cfgOptions?: string[] | CfgOption[];
  /** Import the config's `custom_imports` (default true). */
  importCustomModules?: boolean;
  /** Validate against the root schema (default false: tools validate after loading plugins). */
  validate?: boolean;
  /** Receives warnings (skipped plugins). */
  logger?: WarnSink;
}

/** Loads and resolves a config file; see the module comment for the steps. */
export function loadConfig(file: string, opts: LoadConfigOptions = {}): Config & { plugins: LoadedPlugin[] } {
  const { cfg, files } = resolveConfigFile(file);
  let config = new Config(cfg, { filename: files[files.length - 1], files });
  if (opts.cfgOptions && opts.cfgOptions.length) config = config.withOptions(opts.cfgOptions);
  const plugins = opts.importCustomModules === false ? [] : importCustomModules(config.cfg.custom_imports, config.filename, opts.logger);
  if (opts.validate) config.validate();
  return Object.assign(config, { plugins });
}
