#!/usr/bin/env node
/**
 * Where the collective libraries live, for binding.gyp and scripts/build.js.
 * `node scripts/probe.js gloo|mpi` prints 1 or 0; `gloo-include`, `gloo-link`, `mpi-compile`,
 * `mpi-link` print compiler flags. Gloo ships no pkg-config file (Debian puts libgloo.so in
 * /usr/lib), so its headers and library are searched for; GLOO_HOME names a custom prefix.
 * Open MPI's flags come from its wrapper compiler (`mpicc --showme:compile` / `--showme:link`),
 * or from MPI_CFLAGS / MPI_LIBS when set.
 */
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

function multiarch() {
  try {
    return execFileSync('gcc', ['-print-multiarch'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

function prefixes() {
  const list = [];
  if (process.env.GLOO_HOME) list.push(process.env.GLOO_HOME);
  if (process.env.CONDA_PREFIX) list.push(process.env.CONDA_PREFIX);
  list.push('/usr/local', '/usr');
  return list;
}

/** Gloo's include and library directories, or null when it is not installed. */
function findGloo() {
  const arch = multiarch();
  for (const prefix of prefixes()) {
    const include = path.join(prefix, 'include');
    if (!fs.existsSync(path.join(include, 'gloo/rendezvous/context.h'))) continue;
    const libDirs = [path.join(prefix, 'lib'), arch && path.join(prefix, 'lib', arch), path.join(prefix, 'lib64')].filter(Boolean);
    const lib = libDirs.find((d) => ['libgloo.so', 'libgloo.dylib'].some((f) => fs.existsSync(path.join(d, f))));
    if (lib) return { include, lib };
  }
  return null;
}

function mpiFlags(kind) {
  const env = kind === 'compile' ? process.env.MPI_CFLAGS : process.env.MPI_LIBS;
  if (env !== undefined) return env.trim();
  try {
    return execFileSync('mpicc', [`--showme:${kind}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

function mpiPresent() {
  const compile = mpiFlags('compile');
  if (compile === null || mpiFlags('link') === null) return false;
  // the wrapper alone is not enough: the headers must be there too
  const dirs = compile.split(/\s+/).filter((f) => f.startsWith('-I')).map((f) => f.slice(2));
  return dirs.length === 0 || dirs.some((d) => fs.existsSync(path.join(d, 'mpi.h')));
}

/** -L dirs also become run paths, so the addon finds the library without LD_LIBRARY_PATH. */
function withRunPaths(flags) {
  const system = new Set(['/usr/lib', '/usr/lib64', '/lib', '/lib64']);
  const rpaths = flags.split(/\s+/).filter((f) => f.startsWith('-L') && !system.has(f.slice(2))).map((f) => `-Wl,-rpath,${f.slice(2)}`);
  return [flags, ...rpaths].join(' ');
}

function main(what) {
  const gloo = what.startsWith('gloo') ? findGloo() : null;
  switch (what) {
    case 'gloo':
      return gloo ? '1' : '0';
    case 'gloo-include':
      // Debian's redis_store.h includes <hiredis.h> from /usr/include/hiredis; the addon never
      // includes it, but the directory is added so a header that pulls it in still compiles
      // (/usr/include itself is the compiler's own: listing it would reorder system headers)
      return gloo ? [gloo.include, path.join(gloo.include, 'hiredis')].filter((d) => d !== '/usr/include' && fs.existsSync(d)).join(' ') : '';
    case 'gloo-link':
      return gloo ? `${withRunPaths(`-L${gloo.lib}`)} -lgloo -lpthread` : '';
    case 'mpi':
      return mpiPresent() ? '1' : '0';
    case 'mpi-compile':
      return mpiFlags('compile') ?? '';
    case 'mpi-link':
      return withRunPaths(mpiFlags('link') ?? '');
    default:
      throw new Error(`probe.js: unknown query '${what}' (gloo, gloo-include, gloo-link, mpi, mpi-compile, mpi-link)`);
  }
}

if (require.main === module) process.stdout.write(main(process.argv[2] ?? '') + '\n');
module.exports = { findGloo, mpiPresent };
