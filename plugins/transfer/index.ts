/**
 * TransFER plugin entry: importing it registers MultiLANet, DiverseEuclidLoss,
 * MaxHybridFlatten, MSADViT and the TransFER classifier in MODELS. It reuses
 * APViT's IRSE backbone, Mlp block and LinearClsHead.
 */
import '../apvit';
export * from './lanet';
export * from './max-hybrid-flatten';
export * from './msad-vit';
export * from './transfer-classifier';
