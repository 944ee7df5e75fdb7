/** Tiny TransFER configs for tests: the RAF structure at 32×32 input with 16 tokens. */
export function tinyTransferConfig(over: { literal_token_drop?: boolean; drop_rate?: number; head_drop_rate?: number; loss_weight?: number } = {}) {
  const widths = [4, 8, 16];
  return {
    type: 'TransFER',
    extractor: { type: 'IRSE', input_size: 112, num_layers: 50, mode: 'ir', return_index: [2], units: [1, 1, 1], widths },
    attention: { type: 'MultiLANet', in_channels: 16, ratio: 4, num: 2, loss: { loss_margin: 1.0, loss_weight: over.loss_weight ?? 0.5 } },
    convert: { type: 'MaxHybridFlatten', in_channels: 16, embed_dim: 16, drop_rate: over.drop_rate ?? 0.6, drop_upper: 1 },
    vit: {
      type: 'MSADViT',
      embed_dim: 16,
      depth: 2,
      num_heads: 4,
      mlp_ratio: 2,
      patch_num: 16,
      head_drop_rate: over.head_drop_rate ?? 0.3,
      head_drop_upper: 1,
      literal_token_drop: over.literal_token_drop ?? false,
    },
    head: { type: 'LinearClsHead', num_classes: 7, in_channels: 16 },
  };
}
