/**
 * The framework's contracts, one leaf module per concept (no runtime imports
 * beyond each other): logger, distributed context, data (batch, dataset,
 * sample), tensor data, services and their DI tokens, the model steps.
 */
export * from './logger';
export * from './dist';
export * from './data';
export * from './tensor-data';
export * from './services';
export * from './model';
