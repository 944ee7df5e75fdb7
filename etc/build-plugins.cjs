#!/usr/bin/env node
/**
 * `npm run build` (after the framework's own tsc): the plugin workspaces
 * (`plugins/<name>`, in dependency order) as publishable packages in
 * `dist/packages/<name>/`: CommonJS + .d.ts compiled against the framework's
 * built types, the configs the package ships (as written), and a package.json
 * pointing at them. The workspace manifests
 * keep pointing at the TypeScript sources, which is what the repository runs;
 * `npm pack dist/packages/<name>` makes the tarball users install.
 */
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const OUT = path.join(ROOT, 'dist/packages');
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');

/** Workspace plugins, each after the plugin packages it depends on. */
function pluginsInOrder() {
  const dirs = fs.readdirSync(path.join(ROOT, 'plugins')).filter((d) => fs.existsSync(path.join(ROOT, 'plugins', d, 'package.json')));
  const pkgs = new Map(dirs.map((d) => [JSON.parse(fs.readFileSync(path.join(ROOT, 'plugins', d, 'package.json'), 'utf8')).name, d]));
  const order = [];
  const visit = (name) => {
    const dir = pkgs.get(name);
    if (order.includes(dir)) return;
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'plugins', dir, 'package.json'), 'utf8'));
    for (const dep of Object.keys(pkg.dependencies ?? {})) if (pkgs.has(dep)) visit(dep);
    order.push(dir);
  };
  for (const name of pkgs.keys()) visit(name);
  return { order, pkgs };
}

function build() {
  if (!fs.existsSync(path.join(ROOT, 'dist/src/index.d.ts'))) throw new Error('build-plugins: dist/src is missing: run tsc -p tsconfig.build.json first');
  const { order, pkgs } = pluginsInOrder();
  // the framework and already built plugins by their package names, as an installed plugin sees them
  const paths = { 'fer-mm': [path.join(ROOT, 'dist/src/index.d.ts')], 'fer-mm/*': [path.join(ROOT, 'dist/src/*/index.d.ts')] };
  for (const [name, dir] of pkgs) paths[name] = [path.join(OUT, dir, 'index.d.ts')];
  for (const dir of order) {
    const src = path.join(ROOT, 'plugins', dir);
    const out = path.join(OUT, dir);
    fs.rmSync(out, { recursive: true, force: true });
    const tsconfig = path.join(ROOT, 'dist', `tsconfig.plugin-${dir}.json`);
    fs.writeFileSync(
      tsconfig,
      JSON.stringify({
        extends: path.join(ROOT, 'tsconfig.json'),
        compilerOptions: { noEmit: false, declaration: true, sourceMap: false, rootDir: src, outDir: out, baseUrl: ROOT, paths, types: ['node'] },
        include: [path.join(src, '*.ts')],
      }),
    );
    execFileSync(process.execPath, [TSC, '-p', tsconfig], { stdio: 'inherit' });
    fs.rmSync(tsconfig);
    const pkg = JSON.parse(fs.readFileSync(path.join(src, 'package.json'), 'utf8'));
    delete pkg.devDependencies;
    // the configs ship as written (TypeScript, run through tsx by the config loader)
    const configs = path.join(src, pkg['fer-mm']?.configs ?? 'configs');
    if (fs.existsSync(configs)) fs.cpSync(configs, path.join(out, path.relative(src, configs)), { recursive: true, dereference: true });
    Object.assign(pkg, {
      main: 'index.js',
      types: 'index.d.ts',
      // the workspace's subpaths (configs, package.json) as they are; the entry points at the JavaScript
      exports: { ...pkg.exports, '.': { types: './index.d.ts', default: './index.js' } },
    });
    fs.writeFileSync(path.join(out, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
  }
  return order;
}

console.log(`build-plugins: ${build().map((d) => `dist/packages/${d}`).join(', ')}`);
