/**
 * APViT plugin entry: importing it registers IRSE, PoolingViT, LinearClsHead,
 * CrossEntropyLoss and PoolingVitClassifier in MODELS.
 */
export * from './top-pool';
export * from './irse';
export * from './pooling-vit';
export * from './cross-entropy-loss';
export * from './linear-head';
export * from './pooling-vit-classifier';
export { extractStateDict, loadPretrainedInto } from './weights';
