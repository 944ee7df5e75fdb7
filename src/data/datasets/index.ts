/** Registers the built-in datasets in DATASETS. */
export * from './base';
export * from './evaluate';
export * from './raf';
export * from './image-folder';
export * from './fer2013';
export * from './wrappers';
