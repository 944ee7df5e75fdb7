import * as fs from 'fs';
import * as path from 'path';
import '../../src/registry/validate';
import { DataLoader, DistributedSampler, DefaultSampler, buildDataLoader, type Batch, type DatasetLike } from '../../src/data';
import { DATASETS } from '../../src/registry/root';
import { makeTinyRaf, rafTrainPipeline, tmpDir } from './helpers';

async function collect(loader: DataLoader): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of loader) out.push(b);
  return out;
}

describe('DistributedSampler', () => {
  it('pads by repetition and takes strided shards', () => {
    const shards = [0, 1, 2].map((rank) => new DistributedSampler({ dataset: 10, num_replicas: 3, rank, shuffle: false }).indices());
    expect(shards).toEqual([
      [0, 3, 6, 9],
      [1, 4, 7, 0],
      [2, 5, 8, 1],
    ]);
    expect(new DistributedSampler({ dataset: 10, num_replicas: 3, rank: 0 }).length).toBe(4);
  });
  it('without round_up shards are uneven and cover the set once', () => {
    const shards = [0, 1, 2].map((rank) => new DistributedSampler({ dataset: 10, num_replicas: 3, rank, shuffle: false, round_up: false }));
    expect(shards.map((s) => s.length)).toEqual([4, 3, 3]);
    expect(shards.flatMap((s) => s.indices()).sort((a, b) => a - b)).toEqual([...Array(10).keys()]);
  });
  it('shuffles identically on every rank, per (seed, epoch)', () => {
    const mk = (rank: number, epoch: number, seed = 7) => {
      const s = new DistributedSampler({ dataset: 11, num_replicas: 2, rank, seed });
      s.set_epoch(epoch);
      return s.indices();
    };
    const e0 = [mk(0, 0), mk(1, 0)];
    // Interleaving the shards gives back one permutation (padded by its own head).
    const merged: number[] = [];
    for (let i = 0; i < 6; i++) merged.push(e0[0][i], e0[1][i]);
    expect(new Set(merged.slice(0, 11)).size).toBe(11);
    expect(merged[11]).toBe(merged[0]);
    expect(mk(0, 0)).toEqual(e0[0]);
    expect(mk(0, 1)).not.toEqual(e0[0]);
    expect(mk(0, 0, 8)).not.toEqual(e0[0]);
  });
  it('rejects a rank outside the world', () => {
    expect(() => new DistributedSampler({ dataset: 4, num_replicas: 2, rank: 2 })).toThrow(/rank 2/);
  });
});

describe('DataLoader', () => {
  let dir: string;
  let cfg: { type: string; data_prefix: string; ann_file: string; pipeline: unknown[] };
  beforeAll(async () => {
    dir = tmpDir('loader');
    const { prefix, ann } = await makeTinyRaf(dir, [1, 2, 3, 4, 5, 6, 7, 1, 2, 3, 4], 20);
    cfg = { type: 'RAF', data_prefix: prefix, ann_file: ann, pipeline: rafTrainPipeline(16) };
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('batches in sampler order with drop_last and a per-epoch shuffle', async () => {
    const ds = DATASETS.build<DatasetLike>(cfg);
    const loader = new DataLoader({ dataset: ds, samplesPerGpu: 4, shuffle: true, seed: 3, dropLast: true });
    expect(loader.length).toBe(2);
    const e0 = await collect(loader);
    expect(e0.map((b) => b.indices.length)).toEqual([4, 4]);
    expect(e0[0].img.shape).toEqual([4, 16, 16, 3]);
    expect(e0[0].gt_label).toBeInstanceOf(Int32Array);
    expect(Array.from(e0[0].gt_label!)).toEqual(e0[0].indices.map((i) => ds.getAnnInfo(i).gt_label));
    const order = new DefaultSampler({ dataset: 11, shuffle: true, seed: 3 }).indices();
    expect(e0.flatMap((b) => b.indices)).toEqual(order.slice(0, 8));
    loader.setEpoch(1);
    const e1 = await collect(loader);
    expect(e1.flatMap((b) => b.indices)).not.toEqual(order.slice(0, 8));
    await loader.close();
  });

  it('gives identical batches with 0, 1 and 2 workers (prefetching threads)', async () => {
    const runs: Batch[][] = [];
    for (const workers of [0, 1, 2]) {
      const loader = buildDataLoader(cfg as never, { samples_per_gpu: 3, workers_per_gpu: workers, shuffle: true, seed: 11 });
      try {
        loader.setEpoch(2);
        runs.push(await collect(loader));
      } finally {
        await loader.close();
      }
    }
    expect(runs[0].length).toBe(4);
    expect(runs[0][3].indices.length).toBe(2);
    for (const r of runs.slice(1)) {
      expect(r.map((b) => b.indices)).toEqual(runs[0].map((b) => b.indices));
      r.forEach((b, i) => {
        expect(b.img.shape).toEqual(runs[0][i].img.shape);
        expect(Buffer.from(b.img.data.buffer).equals(Buffer.from(runs[0][i].img.data.buffer))).toBe(true);
        expect(Array.from(b.gt_label!)).toEqual(Array.from(runs[0][i].gt_label!));
      });
    }
    // The augmentation is really random: two samples of one image differ across epochs.
    const l2 = buildDataLoader(cfg as never, { samples_per_gpu: 11, workers_per_gpu: 0, shuffle: false, seed: 11 });
    const a = (await collect(l2))[0];
    l2.setEpoch(1);
    const b = (await collect(l2))[0];
    expect(Buffer.from(a.img.data.buffer).equals(Buffer.from(b.img.data.buffer))).toBe(false);
  });

  it('reports a missing image from a worker with the file and dataset', async () => {
    const broken = tmpDir('loader-broken');
    const { prefix, ann } = await makeTinyRaf(broken, [1, 2, 3], 12);
    fs.rmSync(path.join(prefix, 'train_00002.png'));
    const loader = buildDataLoader({ ...cfg, data_prefix: prefix, ann_file: ann, pipeline: [{ type: 'LoadImageFromFile' }, { type: 'Collect', keys: ['img', 'gt_label'] }] }, {
      samples_per_gpu: 1,
      workers_per_gpu: 1,
      shuffle: false,
    });
    try {
      await expect(collect(loader)).rejects.toThrow(/train_00002\.png.*RAF\(.*train\.txt\)/s);
    } finally {
      await loader.close();
      fs.rmSync(broken, { recursive: true, force: true });
    }
  });

  it('shards with a DistributedSampler through buildDataLoader', async () => {
    const parts = [0, 1].map((rank) => buildDataLoader(cfg as never, { samples_per_gpu: 2, workers_per_gpu: 0, shuffle: true, seed: 5, dist: { rank, worldSize: 2 } }));
    const idx = await Promise.all(parts.map(async (l) => (await collect(l)).flatMap((b) => b.indices)));
    expect(idx[0].length).toBe(6);
    expect(idx[1].length).toBe(6);
    expect(new Set([...idx[0], ...idx[1]]).size).toBe(11);
  });
});

describe('DataLoader workers and plugins', () => {
  it('workers import the plugin modules listed in `imports` before building the dataset', async () => {
    const plugin = path.resolve(__dirname, 'fixtures', 'plugin-transform.ts');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(plugin);
    const d = tmpDir('plugin');
    const { prefix, ann } = await makeTinyRaf(d, [1, 2], 4);
    const node = {
      type: 'RAF',
      data_prefix: prefix,
      ann_file: ann,
      pipeline: [{ type: 'LoadImageFromFile' }, { type: 'testplugin.AddConstant', value: 300 }, { type: 'Collect', keys: ['img', 'gt_label'] }],
    };
    const without = buildDataLoader(node, { samples_per_gpu: 2, workers_per_gpu: 1, shuffle: false });
    const withPlugin = buildDataLoader(node, { samples_per_gpu: 2, workers_per_gpu: 1, shuffle: false, imports: [plugin] });
    try {
      await expect(collect(without)).rejects.toThrow(/data worker 0 failed to build the dataset: .*testplugin\.AddConstant/s);
      const [b] = await collect(withPlugin);
      expect(Array.from(b.img.data.subarray(0, 6))).toEqual([255, 255, 255, 255, 255, 255]);
    } finally {
      await without.close();
      await withPlugin.close();
      fs.rmSync(d, { recursive: true, force: true });
    }
  });
});
