/**
 * Public API: everything a plugin or a tool needs is exported from here.
 */
import 'reflect-metadata';

export * from './registry/registry';
export * from './registry/root';
export * from './registry/schema';
export * from './utils/rng';
export * from './utils/suggest';
export * from './backend/backend';
export { tf } from './tf';
