/** The data package: datasets, transforms, samplers, the loader, image IO. */
export * from './types';
export * from './image/image';
export * from './image/resize';
export * from './image/warp';
export * from './image/io';
export * from './image/decode-limits';
export * from './image/bmp';
export * from './image/pil-color';
export * from './transforms';
export * from './datasets';
export * from './sampler';
export * from './collate';
export * from './load-batch';
export * from './loader';
export * from './demo-data';
export * from './image/font';
export * from './visualize';
