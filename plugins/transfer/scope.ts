/**
 * The registry scope of this package's components, declared once in its
 * package.json (`"fer-mm": { "scope": "transfer" }`), which is also how the
 * framework finds the installed package when a config names the scope
 * (`type: 'transfer.Name'`). Bare names still resolve from anywhere.
 */
import { MODELS as ROOT_MODELS } from 'fer-mm';
import manifest from './package.json';

export const SCOPE: string = manifest['fer-mm'].scope;
/** The models registry of this scope (a child of the framework's MODELS). */
export const MODELS = ROOT_MODELS.child(SCOPE);
