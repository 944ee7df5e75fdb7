/**
 * APViT plugin entry: importing it registers IRSE, PoolingViT and
 * PoolingVitClassifier in MODELS (LinearClsHead and CrossEntropyLoss are the
 * framework's own).
 */
export * from './top-pool';
export * from './irse';
export * from './pooling-vit';
export * from './pooling-vit-classifier';
export { remapFaceEvoLVe, remapTimmVit, resizeGridBilinear } from './pretrained';
export { extractStateDict, loadPretrainedInto, type PretrainedFormat, type PretrainedOptions } from './weights';
