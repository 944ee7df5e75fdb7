/**
 * The plugin's own registry scopes. Registering in a child scope means our
 * names can never clash with built-in ones (or another plugin's): configs
 * refer to them as `example.<Name>`.
 */
import { HOOKS, MODELS } from 'fer-mm';

export const SCOPE = 'example';
/** Necks, heads, ... of this plugin (a child of the framework's MODELS registry). */
export const EXAMPLE_MODELS = MODELS.child(SCOPE);
/** Hooks of this plugin (a child of HOOKS; built from the config's `custom_hooks`). */
export const EXAMPLE_HOOKS = HOOKS.child(SCOPE);
