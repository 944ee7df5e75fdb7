/**
 * LR policies (registered in LR_SCHEDULES by mmcv policy name). Typical LR
 * hook (before every training iteration, after the epoch/iter counters are
 * current):
 *
 *   const policy = buildLrPolicy(cfg.lr_config);          // {policy: 'CosineAnnealing', min_lr: 0, ...}
 *   applyLr(optimizer, policy, { epoch, iter, maxEpochs, maxIters, itersPerEpoch });
 *
 * `applyLr` scales each group's initial LR exactly as mmcv's LrUpdaterHook
 * (before_train_epoch + before_train_iter) would.
 */
export * from './policy';
export * from './policies';
export * from './builder';
