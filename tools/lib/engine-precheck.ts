/**
 * Imported first by train/test: `--launcher multi-gpu` on a machine where no
 * collective engine is built stops here, before the framework loads, with the
 * install command (the config's dist_params cannot help: every engine is
 * missing). The full check of the configured engine follows in the launcher.
 */
import { noEngineBuilt } from '../../src/distributed/engine';

const argv = process.argv.slice(2);
const i = argv.findIndex((a) => a === '--launcher' || a.startsWith('--launcher='));
const launcher = i < 0 ? undefined : argv[i].includes('=') ? argv[i].split('=')[1] : argv[i + 1];
const why = launcher === 'multi-gpu' ? noEngineBuilt() : null;
if (why) {
  process.stderr.write(`${why}\n`);
  process.exit(1);
}
