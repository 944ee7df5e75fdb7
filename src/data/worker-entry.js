// Worker thread entry. In the built package `worker.js` sits beside this file and
// runs on plain node; from source (tsx, jest, whose transform does not reach
// workers) the TypeScript file is loaded through tsx.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

if (fs.existsSync(path.join(__dirname, 'worker.js'))) {
  require('./worker.js');
} else {
  require('tsx/cjs/api').register();
  require('./worker.ts');
}
