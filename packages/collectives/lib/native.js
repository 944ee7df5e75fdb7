'use strict';
/**
 * Loads the two addons independently (build/Release/fermm_gloo.node, fermm_mpi.node): a
 * missing or unloadable one is reported with the command that installs its library.
 */
const os = require('os');
const path = require('path');
const fs = require('fs');

const BUILD = path.join(__dirname, '..', 'build', 'Release');

const INSTALL = {
  gloo: 'apt-get install libgloo-dev, then npm rebuild @fer-mm/collectives',
  mpi: 'apt-get install libopenmpi-dev openmpi-bin, then npm rebuild @fer-mm/collectives',
};

const cache = {};

/** { addon } or { reason } for one engine; loaded once per process. */
function loadEngine(name) {
  if (cache[name]) return cache[name];
  const file = path.join(BUILD, `fermm_${name}.node`);
  if (!fs.existsSync(file)) {
    cache[name] = { reason: `the ${name} addon is not built (${path.relative(process.cwd(), file) || file} is missing)` };
    return cache[name];
  }
  try {
    const mod = { exports: {} };
    // Open MPI loads its transport plugins with dlopen and they resolve libmpi's symbols
    // globally: the addon (and so libmpi) must be loaded RTLD_GLOBAL
    const flags = name === 'mpi' ? os.constants.dlopen.RTLD_NOW | os.constants.dlopen.RTLD_GLOBAL : os.constants.dlopen.RTLD_LAZY;
    process.dlopen(mod, file, flags);
    cache[name] = { addon: mod.exports };
  } catch (error) {
    cache[name] = { reason: `the ${name} addon does not load: ${error.message}` };
  }
  return cache[name];
}

module.exports = { loadEngine, INSTALL };
