/**
 * TransFER plugin entry: importing it registers MultiLANet, DiverseEuclidLoss,
 * MaxHybridFlatten, MSADViT and the TransFER classifier in MODELS. Its IR
 * backbone (IRSE) comes from the APViT plugin, a dependency; the ViT layers
 * and LinearClsHead are the framework's.
 */
import '@fer-mm/apvit';
export * from './lanet';
export * from './max-hybrid-flatten';
export * from './msad-vit';
export * from './transfer-classifier';
