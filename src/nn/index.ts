/** The module layer: PyTorch-named parameters over tfjs, NHWC activations. */
export * from './module';
export * from './tensor-data';
export * from './init';
export * from './layers/conv';
export * from './layers/norm';
export * from './layers/activation';
export * from './layers/linear';
export * from './layers/dropout';
export * from './layers/pooling';
export * from './layers/container';
export * from './device-batch';
