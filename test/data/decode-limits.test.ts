/** Image decoding bounds: the pixel limit (checked from the header) and the cap on decodes in flight. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { decodeImage, imread, imwrite } from '../../src/data/image/io';
import { DEFAULT_MAX_PIXELS, activeDecodes, getMaxConcurrentDecodes, mapLimit, setMaxConcurrentDecodes, withDecodeSlot } from '../../src/data/image/decode-limits';
import { encodeBmp } from '../../src/data/image/bmp';
import { loadBatch } from '../../src/data/load-batch';
import { LoadImageFromFile } from '../../src/data/transforms/loading';
import { Rng } from '../../src/utils/rng';
import type { DatasetLike, ImageArray, Results } from '../../src/data/types';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'decode-lim-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function crc32(b: Buffer): number {
  let c = ~0;
  for (const x of b) {
    c ^= x;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** A tiny PNG whose header claims w x h (the pixel data is a few zero rows: never decoded when refused). */
function bigPng(w: number, h: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // grayscale
  const idat = zlib.deflateSync(Buffer.alloc(w + 1));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}

describe('pixel limit', () => {
  it('the default is far above a face image and far below libvips (~268 MP)', () => {
    expect(DEFAULT_MAX_PIXELS).toBeGreaterThanOrEqual(10_000_000);
    expect(DEFAULT_MAX_PIXELS).toBeLessThanOrEqual(100_000_000);
  });

  it('a 16383x16383 PNG is refused from its header, fast and without allocating its pixels', async () => {
    const png = bigPng(16383, 16383);
    expect(png.length).toBeLessThan(100_000);
    const rss0 = process.memoryUsage().rss;
    const t0 = Date.now();
    await expect(decodeImage(png)).rejects.toThrow(/image of 16383x16383 \(268\.4 MP\) exceeds the pixel limit of 50\.0 MP \(raise it with LoadImageFromFile max_pixels\)/);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(process.memoryUsage().rss - rss0).toBeLessThan(200 * 2 ** 20);
  });

  it('LoadImageFromFile max_pixels is configurable and the error names the file (PNG and BMP)', async () => {
    const img: ImageArray = { data: new Uint8Array(20 * 10 * 3).fill(9), shape: [10, 20, 3] };
    const png = path.join(tmp, 'small.png');
    await imwrite(png, img);
    const bmp = path.join(tmp, 'small.bmp');
    fs.writeFileSync(bmp, encodeBmp(img));
    for (const f of [png, bmp]) {
      const tight = new LoadImageFromFile({ max_pixels: 199 });
      await expect(tight.transform({ img_info: { filename: f }, img_prefix: null })).rejects.toThrow(new RegExp(`cannot decode image file .*small\\.(png|bmp): image of 20x10 .*exceeds the pixel limit`));
      const ok = await new LoadImageFromFile({ max_pixels: 200 }).transform({ img_info: { filename: f }, img_prefix: null });
      expect(ok.img!.shape).toEqual([10, 20, 3]);
    }
    expect((await imread(png)).shape).toEqual([10, 20, 3]);
  });
});

describe('decodes in flight', () => {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('withDecodeSlot never runs more than the cap at once', async () => {
    const before = getMaxConcurrentDecodes();
    setMaxConcurrentDecodes(3);
    try {
      let now = 0;
      let peak = 0;
      await Promise.all(
        Array.from({ length: 12 }, () =>
          withDecodeSlot(async () => {
            peak = Math.max(peak, ++now);
            await sleep(5);
            now--;
          }),
        ),
      );
      expect(peak).toBe(3);
      // a caller arriving just as a slot is released does not exceed the cap
      now = 0;
      peak = 0;
      const job = () =>
        withDecodeSlot(async () => {
          peak = Math.max(peak, ++now);
          await Promise.resolve();
          now--;
        });
      const first = Array.from({ length: 6 }, job);
      const late: Array<Promise<void>> = [];
      void first[0].then(() => late.push(job(), job()));
      await Promise.all(first);
      await Promise.all(late);
      expect(peak).toBeLessThanOrEqual(3);
      expect(activeDecodes()).toBe(0);
    } finally {
      setMaxConcurrentDecodes(before);
    }
    expect(() => setMaxConcurrentDecodes(0)).toThrow(/>= 1/);
  });

  it('mapLimit keeps order and the cap; loadBatch runs at most the cap of samples at once', async () => {
    let now = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (x) => {
      peak = Math.max(peak, ++now);
      await sleep(x);
      now--;
      return x * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);

    now = 0;
    peak = 0;
    const ds: DatasetLike = {
      length: 16,
      CLASSES: ['a'],
      async getItem(i: number): Promise<Results> {
        peak = Math.max(peak, ++now);
        await sleep(3);
        now--;
        return { img: { data: new Float32Array(3), shape: [1, 1, 3] }, gt_label: 0, index: i } as unknown as Results;
      },
    } as unknown as DatasetLike;
    const batch = await loadBatch(ds, Array.from({ length: 16 }, (_, i) => i), (i) => new Rng([0, i]));
    expect(batch).not.toBeNull();
    expect(peak).toBe(getMaxConcurrentDecodes());
  });
});
