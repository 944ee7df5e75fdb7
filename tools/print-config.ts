/**
 * Prints the fully resolved config as JSON (or `--format ts`) on stdout and
 * nothing else; any problem goes to stderr with a non-zero exit code.
 *
 *   npx tsx tools/print-config.ts CONFIG [--cfg-options a.b=1 c.0.d=x] [--no-validate]
 */
import { Command } from 'commander';
// The package root registers every core component (datasets, transforms, hooks, optimizers, ...).
import '../src';
import { loadConfig } from '../src/config';
import { Logger } from '../src/runner/logger';

interface Opts {
  cfgOptions?: string[];
  validate: boolean;
  format: string;
}

/** Keeps stdout pure JSON: anything plugins print while loading goes to stderr. */
function withStdoutToStderr<T>(fn: () => T): T {
  const saved = { log: console.log, info: console.info, debug: console.debug };
  console.log = console.info = console.debug = (...args: unknown[]) => console.error(...args);
  try {
    return fn();
  } finally {
    Object.assign(console, saved);
  }
}

function main(argv: string[]): number {
  const program = new Command('print-config')
    .description('print the fully resolved config (after _base_ inheritance and --cfg-options) as JSON')
    .argument('<config>', 'config file (.ts, .js, .json)')
    .option('--cfg-options <pairs...>', 'override settings: key=value pairs, dotted keys, list indices (a.b=1 c.0.d=x)')
    .option('--no-validate', 'skip schema validation')
    .option('--format <format>', 'json or ts', 'json')
    .exitOverride()
    .configureOutput({ writeOut: (s) => process.stderr.write(s), writeErr: (s) => process.stderr.write(s) });
  let file: string;
  let opts: Opts;
  try {
    program.parse(argv);
    file = program.args[0]; // a path or an installed package's config (resolved by loadConfig)
    opts = program.opts<Opts>();
  } catch (e) {
    const code = (e as { exitCode?: number }).exitCode;
    return code === 0 ? 0 : 2;
  }
  try {
    if (opts.format !== 'json' && opts.format !== 'ts') throw new Error(`--format must be json or ts, got '${opts.format}'`);
    const logger = new Logger({ name: 'print-config', level: 'WARNING' });
    const cfg = withStdoutToStderr(() => {
      const c = loadConfig(file, { cfgOptions: opts.cfgOptions, logger });
      if (opts.validate) c.validate();
      return c;
    });
    process.stdout.write(cfg.dump(opts.format as 'json' | 'ts'));
    return 0;
  } catch (e) {
    const msg = (e as Error)?.message ?? String(e);
    const where = msg.includes(file) ? '' : ` (config: ${file})`;
    process.stderr.write(`print-config: ${msg}${where}\n`);
    return 1;
  }
}

process.exitCode = main(process.argv);
