/**
 * Loads every built-in module, so their components are registered (the
 * package root requires this file). Each subpath entry is listed once.
 */
import './backend';
import './checkpoint';
import './config';
import './data';
import './di';
import './distributed';
import './hooks';
import './logging/tensorboard';
import './lr';
import './metrics';
import './optim';
// a type naming an installed plugin package's scope imports that package
import './plugin-loader/scopes';
import './runner';
