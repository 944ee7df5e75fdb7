/**
 * The full-size APViT of configs/apvit/RAF.ts has exactly the 389 state_dict
 * entries of the official checkpoint (spec Appendix A), in order, with the
 * same shapes and dtypes. Built, listed, disposed: no forward at full size.
 */
import * as fs from 'fs';
import * as path from 'path';
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend/backend';
import { MODELS } from '../../src/registry/root';
import '@fer-mm/apvit';
import type { PoolingVitClassifier } from '@fer-mm/apvit';
import { loadConfig } from '../../src/config';

const REPO = path.resolve(__dirname, '../..');
/** The official checkpoint's key list, copied from spec Appendix A: `key [shape]( int64)` per line. */
const KEYS = path.join(__dirname, 'fixtures', 'apvit-state-dict.txt');

function appendixA(): Array<{ key: string; shape: number[]; dtype: string }> {
  return fs
    .readFileSync(KEYS, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const m = /^(\S+) \[([\d,]*)\]( int64)?$/.exec(l);
      if (!m) throw new Error(`unparsed Appendix A line: ${l}`);
      return { key: m[1], shape: m[2] ? m[2].split(',').map(Number) : [], dtype: m[3] ? 'int32' : 'float32' };
    });
}

describe('full-size APViT state_dict', () => {
  it('matches spec Appendix A key for key (order, shape, dtype) and the parameter counts of §5', async () => {
    await initBackend('cpu');
    const expected = appendixA();
    expect(expected).toHaveLength(389);
    const config = loadConfig(path.join(REPO, 'configs/apvit/RAF.ts'), { importCustomModules: false });
    // the model section validates against the component schemas (datasets/optimizers are other suites' business)
    expect(config.problems().filter((p) => p.path.startsWith('model'))).toEqual([]);
    const cfg = { ...(config.cfg.model as Record<string, unknown>) };
    // no pretrained files here: only the structure is under test
    cfg.extractor = { ...(cfg.extractor as object), pretrained: null };
    cfg.vit = { ...(cfg.vit as object), pretrained: null };
    const before = tf.memory().numTensors;
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const model = MODELS.build<PoolingVitClassifier>(cfg as { type: string });
    // the shipped config leaves out the official vit_small's img_size/patch_size (PoolingViT never reads them)
    expect(warn.mock.calls.flat().join(' ')).not.toMatch(/Unused kwargs/);
    warn.mockRestore();
    try {
      const got = [...model.stateDict()].map(([key, v]) => ({ key, shape: [...v.shape], dtype: v.dtype }));
      expect(got).toEqual(expected); // int64 num_batches_tracked is held as int32
      const count = (prefix: string) =>
        model
          .namedParameters()
          .filter(([k]) => k.startsWith(prefix))
          .reduce((a, [, v]) => a + v.size, 0);
      expect(count('')).toBe(65209543);
      expect(count('extractor.')).toBe(17611968);
      expect(count('vit.')).toBe(47592192);
      expect(count('head.')).toBe(5383);
      expect(model.namedBuffers().reduce((a, [, v]) => a + v.size, 0)).toBe(17709);
      // head starts at zero (spec §4)
      expect(model.head.fc.weight.dataSync().every((v) => v === 0)).toBe(true);
      // the ATP schedule of spec §3.3: cuts at blocks 4..7
      expect(model.vit.blocks.items.map((b) => b.pool?.keepRate)).toEqual([1, 1, 1, 1, 0.9, 0.9, 0.9, 0.9]);
      expect(model.vit.blocks.at(0).attn.scale).toBeCloseTo(96 ** -0.5, 12);
    } finally {
      model.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
