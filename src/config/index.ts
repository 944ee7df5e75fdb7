/**
 * Config files: loading with `_base_` inheritance, `--cfg-options`, the root
 * schema and dumping. See docs/config.md.
 */
export * from './merge';
export * from './cfg-options';
export * from './loader';
export * from './config';
export * from './dump';
export * from './root-schema';
export { defineConfig, type ConfigShape } from './define';
export { resolveConfigSpec, ConfigSpecError, PACKAGE_CONFIG_SEPARATOR, type ResolveConfigSpecOptions } from './config-spec';
