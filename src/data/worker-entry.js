// Worker thread entry: TS sources are loaded through tsx so the worker runs
// the same code under `tsx` and under jest (whose transform does not reach workers).
'use strict';
require('tsx/cjs/api').register();
require('./worker.ts');
