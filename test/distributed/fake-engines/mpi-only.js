/* A collectives package with only the MPI addon built (libgloo-dev missing). */
'use strict';
exports.engineAvailability = () => ({
  gloo: { ok: false, reason: 'fermm_gloo.node is not built', install: 'apt-get install libgloo-dev, then npm rebuild @fer-mm/collectives' },
  mpi: { ok: true, version: 'Open MPI v0' },
});
exports.initGloo = () => Promise.reject(new Error('not built'));
exports.initMpi = () => Promise.reject(new Error('not started by mpirun'));
