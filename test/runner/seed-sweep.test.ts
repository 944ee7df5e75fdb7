/** The pure parts of tools/seed-sweep.ts: the seed list, the plateau column and the table. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatTable, parseSeeds, plateauExit, readTrainRecords } from '../../tools/seed-sweep';

describe('seed-sweep', () => {
  it('parses ranges and lists, sorted and unique', () => {
    expect(parseSeeds('0-4')).toEqual([0, 1, 2, 3, 4]);
    expect(parseSeeds('5,1-2,2')).toEqual([1, 2, 5]);
    expect(() => parseSeeds('4-1')).toThrow(/runs backwards/);
    expect(() => parseSeeds('a')).toThrow(/--seeds: expected a list like 0-4/);
  });

  it('finds the first logged record below ln(C) - 0.05 from a .log.json', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-')), 'x.log.json');
    const rec = (epoch: number, iter: number, ce: number) => JSON.stringify({ mode: 'train', epoch, iter, ce_loss: ce, loss: ce });
    fs.writeFileSync(
      file,
      [JSON.stringify({ env_info: 'x', CLASSES: ['a', 'b', 'c'] }), rec(1, 20, 1.1), rec(1, 40, 1.06), JSON.stringify({ mode: 'val', epoch: 1, iter: 5 }), rec(2, 20, 1.0), rec(2, 40, 0.5)].join('\n') + '\n',
    );
    const records = readTrainRecords(file);
    expect(records).toHaveLength(4);
    // ln 3 = 1.0986: 1.06 is inside the band, 1.0 is the first below it
    expect(plateauExit(records, 3)).toEqual({ epoch: 2, iter: 20 });
    expect(plateauExit(records.slice(0, 2), 3)).toBeNull();
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  });

  it('prints one row per seed and the mean with the range', () => {
    const t = formatTable([
      { seed: 0, top1: 98, top2: 99.5, plateauExit: { epoch: 1, iter: 100 }, trainSec: 330.4 },
      { seed: 1, top1: 94, plateauExit: null },
    ]);
    const lines = t.split('\n');
    expect(lines[2]).toBe('| 0 | 98.00 | 99.50 | epoch 1, iter 100 | 330 |');
    expect(lines[3]).toBe('| 1 | 94.00 | - | never | - |');
    expect(lines[4]).toBe('| **mean (range)** | **96.00** (94.00-98.00) | | | |');
  });
});
