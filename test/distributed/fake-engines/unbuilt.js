/* A collectives package whose addons are not built: what a machine without libgloo/libopenmpi sees. */
'use strict';
const install = 'apt-get install libgloo-dev libopenmpi-dev openmpi-bin, then npm rebuild @fer-mm/collectives';
exports.engineAvailability = () => ({
  gloo: { ok: false, reason: 'fermm_gloo.node is not built', install },
  mpi: { ok: false, reason: 'fermm_mpi.node is not built', install },
});
exports.initGloo = () => Promise.reject(new Error('not built'));
exports.initMpi = () => Promise.reject(new Error('not built'));
