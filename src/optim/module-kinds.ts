/**
 * Builds the `moduleTypes` map (parameter name -> owning module kind) that
 * `buildOptimizer` uses for `norm_decay_mult` / `dwconv_decay_mult`, from any
 * model exposing torch-like `namedModules()` / `namedParameters()` (the
 * project's `Module`). Structural typing keeps this free of nn imports.
 */

interface ModuleLike {
  namedModules(prefix?: string): Array<[string, unknown]>;
}
interface ParamOwner {
  namedParameters(prefix?: string): Array<[string, unknown]>;
}

/**
 * mmcv's `is_norm` (isinstance of _BatchNorm, _InstanceNorm, GroupNorm,
 * LayerNorm) and `is_dwconv` (Conv2d with in_channels == groups), by duck
 * typing: a module declaring `moduleKind` wins; otherwise a class named like
 * `BatchNorm2d` / `LayerNorm` / `GroupNorm` / `InstanceNorm*` / `SyncBatchNorm`
 * is 'norm', and a module with `inChannels === groups > 1` and a `kernelSize`
 * is 'dwconv'.
 */
export function defaultModuleKind(m: unknown): string | undefined {
  if (!m || typeof m !== 'object') return undefined;
  const o = m as Record<string, unknown>;
  if (typeof o.moduleKind === 'string') return o.moduleKind;
  const cls = (m as { constructor?: { name?: string } }).constructor?.name ?? '';
  if (/^(Sync)?(Batch|Layer|Group|Instance)Norm(\d+d)?$/.test(cls)) return 'norm';
  if (o.kernelSize !== undefined && typeof o.groups === 'number' && o.groups > 1 && o.inChannels === o.groups) return 'dwconv';
  return undefined;
}

/** Parameter name -> kind of the module that registers it directly. */
export function moduleKindsOf(model: ModuleLike, classify: (m: unknown) => string | undefined = defaultModuleKind): Map<string, string> {
  const out = new Map<string, string>();
  for (const [prefix, m] of model.namedModules('')) {
    const kind = classify(m);
    if (!kind || typeof (m as ParamOwner).namedParameters !== 'function') continue;
    for (const [name] of (m as ParamOwner).namedParameters('')) {
      if (name.includes('.')) continue; // a child's parameter
      out.set(prefix ? `${prefix}.${name}` : name, kind);
    }
  }
  return out;
}
