#!/usr/bin/env node
/**
 * The public surface of the package, one API report per entry point of the
 * `exports` map (etc/fer-mm.api.md for `fer-mm`, etc/fer-mm-runner.api.md for
 * `fer-mm/runner`, ...), made by api-extractor from the built .d.ts files.
 *
 *   node etc/api-report.cjs            fails when a report differs from the build (CI)
 *   node etc/api-report.cjs --update   rewrites the reports (commit them with the change)
 *
 * `npm run api:check` / `npm run api:update` build first. All entries share one
 * TypeScript program, which keeps the check to seconds.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { CompilerState, Extractor, ExtractorConfig, ExtractorLogLevel } = require('@microsoft/api-extractor');

const ROOT = path.resolve(__dirname, '..');
const update = process.argv.includes('--update');
const pkgFile = path.join(ROOT, 'package.json');
const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8'));

/** `fer-mm` -> etc/fer-mm.api.md, `fer-mm/runner` -> etc/fer-mm-runner.api.md. */
const entries = Object.entries(pkg.exports)
  .filter(([, target]) => typeof target === 'object' && target.types)
  .map(([sub, target]) => ({
    name: sub === '.' ? pkg.name : `${pkg.name}/${sub.slice(2)}`,
    report: sub === '.' ? pkg.name : `${pkg.name}-${sub.slice(2).replace(/\//g, '-')}`,
    dts: path.join(ROOT, target.types),
  }));

const missing = entries.filter((e) => !fs.existsSync(e.dts));
if (missing.length > 0) {
  console.error(`api-report: ${missing.map((e) => path.relative(ROOT, e.dts)).join(', ')} missing: run 'npm run build' first`);
  process.exit(2);
}

const silent = { logLevel: ExtractorLogLevel.None };
function configFor(entry) {
  return ExtractorConfig.prepare({
    configObject: {
      projectFolder: ROOT,
      mainEntryPointFilePath: entry.dts,
      // DOM: the fer-mm/browser entry's image types (HTMLImageElement, ImageBitmap, ...)
      compiler: { overrideTsconfig: { compilerOptions: { target: 'ES2022', lib: ['ES2022', 'DOM'], module: 'commonjs', types: ['node'], skipLibCheck: true, strict: true }, files: [entry.dts] } },
      apiReport: {
        enabled: true,
        reportFileName: `${entry.report}.api.md`,
        reportFolder: path.join(ROOT, 'etc'),
        reportTempFolder: path.join(ROOT, 'node_modules/.cache/api-extractor'),
      },
      docModel: { enabled: false },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      messages: {
        compilerMessageReporting: { default: silent },
        extractorMessageReporting: { default: silent },
        tsdocMessageReporting: { default: silent },
      },
    },
    configObjectFullPath: undefined,
    packageJsonFullPath: pkgFile,
  });
}

const configs = entries.map((e) => ({ entry: e, config: configFor(e) }));
const compilerState = CompilerState.create(configs[0].config, { additionalEntryPoints: entries.map((e) => e.dts) });
const changed = [];
for (const { entry, config } of configs) {
  const result = Extractor.invoke(config, { localBuild: update, compilerState, showVerboseMessages: false, messageCallback: (m) => (m.handled = true) });
  if (result.apiReportChanged) changed.push(entry);
  if (!result.succeeded && !result.apiReportChanged) {
    console.error(`api-report: ${entry.name}: api-extractor failed (${result.errorCount} errors)`);
    process.exitCode = 1;
  }
}
if (changed.length > 0 && !update) {
  console.error(
    `api-report: the public API changed for ${changed.map((e) => e.name).join(', ')}:\n` +
      changed.map((e) => `  diff etc/${e.report}.api.md node_modules/.cache/api-extractor/${e.report}.api.md\n`).join('') +
      "review the change, then run 'npm run api:update' and commit etc/*.api.md",
  );
  process.exitCode = 1;
} else if (update) {
  console.log(`api-report: ${changed.length === 0 ? 'no change' : `updated ${changed.map((e) => `etc/${e.report}.api.md`).join(', ')}`}`);
}
