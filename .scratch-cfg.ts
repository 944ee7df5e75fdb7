import { loadConfig } from './src/config';
import { loadBuiltinPlugins } from './src/plugins/loader';
loadBuiltinPlugins();
for (const f of ['configs/apvit/RAF.ts']) {
  const c = loadConfig(f, { validate: false } as any);
  console.log(f, JSON.stringify(c.problems(), null, 1).slice(0, 3000));
  console.log(JSON.stringify(c.cfg.model).slice(0, 300), Object.keys(c.cfg));
}
