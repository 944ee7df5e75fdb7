/** Face detection and alignment (Node entry: the model files are read from the installed package). */
export * from './align';
export * from './detector';
export * from './graph';
export * from './node-models';
export * from './transform';
export type { FaceChannelOrder } from './input';
