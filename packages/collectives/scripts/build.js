#!/usr/bin/env node
/**
 * The install step (`npm rebuild @fer-mm/collectives`, `npm run build:native` at the root):
 * builds each engine whose library is present, one at a time, and prints one line per engine.
 * It never fails the install: a machine without Gloo or Open MPI still installs, and
 * engineAvailability() names the missing library at run time. Node's headers come from the
 * local installation (npm_config_nodedir, or <node prefix>/include/node), never a download.
 */
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { findGloo, mpiPresent } = require('./probe');

const ROOT = path.resolve(__dirname, '..');
const TAG = '@fer-mm/collectives:';
const INSTALL = {
  gloo: 'apt-get install libgloo-dev, then npm rebuild @fer-mm/collectives',
  mpi: 'apt-get install libopenmpi-dev openmpi-bin, then npm rebuild @fer-mm/collectives',
};

function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  try {
    candidates.push(require.resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not installed as a package: npm's bundled copy above is the usual one
  }
  return candidates.find((c) => c && fs.existsSync(c) && c.endsWith('.js'));
}

/** --nodedir for an offline build, or null when no local headers exist. */
function nodeDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  if (fs.existsSync(path.join(prefix, 'include', 'node', 'node.h'))) return prefix;
  const cache = path.join(process.env.HOME || '', '.cache', 'node-gyp', process.versions.node);
  if (fs.existsSync(path.join(cache, 'include', 'node', 'node.h'))) return cache;
  return null;
}

function main() {
  const present = { gloo: findGloo() !== null, mpi: mpiPresent() };
  for (const name of ['gloo', 'mpi']) {
    if (!present[name]) {
      fs.rmSync(path.join(ROOT, 'build', 'Release', `fermm_${name}.node`), { force: true });
      console.log(`${TAG} ${name} NOT built: its library is not installed; install: ${INSTALL[name]}`);
    }
  }
  const wanted = Object.keys(present).filter((n) => present[n]);
  if (wanted.length === 0) return;
  const gyp = nodeGyp();
  const dir = nodeDir();
  if (!gyp || !dir) {
    for (const name of wanted) console.log(`${TAG} ${name} NOT built: ${!gyp ? 'node-gyp not found' : "Node's headers not found (set npm_config_nodedir)"}`);
    return;
  }
  const logDir = path.join(ROOT, 'build');
  const configure = spawnSync(process.execPath, [gyp, 'configure', `--nodedir=${dir}`], { cwd: ROOT, encoding: 'utf8' });
  if (configure.status !== 0) {
    fs.mkdirSync(logDir, { recursive: true });
    fs.writeFileSync(path.join(logDir, 'configure.log'), `${configure.stdout}\n${configure.stderr}`);
    for (const name of wanted) console.log(`${TAG} ${name} NOT built: node-gyp configure failed (build/configure.log)`);
    return;
  }
  // one make target per engine, so a compile error in one leaves the other
  for (const name of wanted) {
    const target = `fermm_${name}`;
    const out = path.join(ROOT, 'build', 'Release', `${target}.node`);
    const make = spawnSync('make', ['-C', 'build', 'BUILDTYPE=Release', `-j${Math.max(1, Math.min(4, require('os').cpus().length))}`, target], { cwd: ROOT, encoding: 'utf8' });
    if (make.status === 0 && fs.existsSync(out)) {
      console.log(`${TAG} ${name} built (build/Release/${target}.node)`);
    } else {
      fs.rmSync(out, { force: true });
      fs.writeFileSync(path.join(logDir, `${name}-build.log`), `${make.stdout}\n${make.stderr}`);
      const error = `${make.stderr}`.split('\n').find((l) => /error/i.test(l)) ?? `make exited with ${make.status}`;
      console.log(`${TAG} ${name} NOT built: compile failed (build/${name}-build.log): ${error.trim()}`);
    }
  }
}

try {
  main();
} catch (error) {
  // the install must go on: the engines report themselves unavailable at run time
  console.log(`${TAG} native build skipped: ${error && error.message}`);
}
