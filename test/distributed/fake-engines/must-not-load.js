/* Loading this module is the failure: a single-process run must never load an engine. */
'use strict';
throw new Error('a single-process run loaded the collectives package');
