/**
 * Every root registry, in one place. Plugins register into these (or into a
 * child scope of them: `MODELS.child('myplugin')`).
 *
 * MODELS holds backbones, necks, heads, losses and classifiers; the role is a
 * tag on the entry (`role: 'backbone'`), as in MMCls where BACKBONES, HEADS,
 * ... all alias one MODELS registry.
 */
import { declareRootRegistry } from './registry';
// Installs argument validation + schema defaults into Registry.build.
import './validate';

export const MODELS = declareRootRegistry('models');
export const DATASETS = declareRootRegistry('datasets');
export const TRANSFORMS = declareRootRegistry('transforms');
export const SAMPLERS = declareRootRegistry('samplers');
export const HOOKS = declareRootRegistry('hooks');
export const OPTIMIZERS = declareRootRegistry('optimizers');
export const LR_SCHEDULES = declareRootRegistry('lr_schedules');
export const METRICS = declareRootRegistry('metrics');
export const RUNNERS = declareRootRegistry('runners');
