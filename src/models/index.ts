/**
 * Generic MMClassification model parts, registered in MODELS under mmcls'
 * names: ImageClassifier, ClsHead, LinearClsHead, CrossEntropyLoss,
 * GlobalAveragePooling, and the timm ViT layers and config fields backbones
 * build on.
 */
export * from './component-args';
export * from './vit-layers';
export * from './vit-backbone';
export * from './timm-vit-weights';
export * from './cross-entropy-loss';
export * from './cls-head';
export * from './linear-cls-head';
export * from './global-average-pooling';
export * from './base-classifier';
export * from './image-classifier';
export * from './weights-file';
export * from './sync-batchnorm';
