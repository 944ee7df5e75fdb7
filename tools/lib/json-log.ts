/**
 * Reading mmcv `<ts>.log.json` files (one JSON object per line; the first
 * holds the run meta) for analyze-logs: curves per key and train-time stats.
 */
import * as fs from 'node:fs';

export interface LogRecord {
  mode: string;
  epoch: number;
  iter: number;
  [k: string]: unknown;
}

/** The train/val records of a log.json, in file order (meta lines are skipped, as mmcls does). */
export function loadJsonLog(file: string): LogRecord[] {
  if (!fs.existsSync(file)) throw new Error(`${file}: log file not found`);
  const out: LogRecord[] = [];
  fs.readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (!line.trim()) return;
      let rec: Record<string, unknown>;
      try {
        rec = JSON.parse(line) as Record<string, unknown>;
      } catch (e) {
        throw new Error(`${file}:${i + 1}: not JSON (${(e as Error).message})`);
      }
      if (typeof rec.epoch === 'number' && typeof rec.mode === 'string' && typeof rec.iter === 'number') out.push(rec as LogRecord);
    });
  if (!out.length) throw new Error(`${file}: no train/val records (is it a <timestamp>.log.json from a training run?)`);
  return out;
}

/**
 * Points of `key`: train records against the global iteration
 * ((epoch - 1) x iters per epoch + iter), or, for a key only in val records,
 * against the epoch. `axis` says which.
 */
export function curve(records: LogRecord[], key: string): { axis: 'iter' | 'epoch'; points: Array<[number, number]> } {
  const train = records.filter((r) => r.mode === 'train' && typeof r[key] === 'number');
  if (train.length) {
    const firstEpoch = Math.min(...records.filter((r) => r.mode === 'train').map((r) => r.epoch));
    const perEpoch = Math.max(...records.filter((r) => r.mode === 'train' && r.epoch === firstEpoch).map((r) => r.iter));
    // iter-based runs log the global iteration already; epoch-based ones restart at each epoch
    const restarts = records.some((r) => r.mode === 'train' && r.epoch > firstEpoch && r.iter <= perEpoch);
    return { axis: 'iter', points: train.map((r) => [restarts ? (r.epoch - 1) * perEpoch + r.iter : r.iter, r[key] as number]) };
  }
  const val = records.filter((r) => r.mode === 'val' && typeof r[key] === 'number');
  if (!val.length) {
    const keys = [...new Set(records.flatMap((r) => Object.keys(r).filter((k) => typeof r[k] === 'number')))].filter((k) => !['epoch', 'iter'].includes(k));
    throw new Error(`key '${key}' is not in the log; numeric keys there: ${keys.join(', ')}`);
  }
  return { axis: 'epoch', points: val.map((r) => [r.epoch, r[key] as number]) };
}

export interface TrainTime {
  slowestEpoch: number;
  slowest: number;
  fastestEpoch: number;
  fastest: number;
  std: number;
  mean: number;
}

/** mmcls `cal_train_time`: mean `time` per epoch (the first logged iteration of each is an outlier unless included). */
export function trainTime(records: LogRecord[], includeOutliers = false): TrainTime {
  const byEpoch = new Map<number, number[]>();
  for (const r of records) {
    if (r.mode !== 'train' || typeof r.time !== 'number') continue;
    const list = byEpoch.get(r.epoch) ?? [];
    list.push(r.time);
    byEpoch.set(r.epoch, list);
  }
  if (!byEpoch.size) throw new Error('no train records with a `time` value');
  const epochs = [...byEpoch.keys()].sort((a, b) => a - b);
  const means = epochs.map((e) => {
    const t = byEpoch.get(e)!;
    const use = includeOutliers || t.length < 2 ? t : t.slice(1);
    return use.reduce((a, b) => a + b, 0) / use.length;
  });
  const mean = means.reduce((a, b) => a + b, 0) / means.length;
  const std = Math.sqrt(means.reduce((a, b) => a + (b - mean) ** 2, 0) / means.length);
  const hi = means.indexOf(Math.max(...means));
  const lo = means.indexOf(Math.min(...means));
  return { slowestEpoch: epochs[hi], slowest: means[hi], fastestEpoch: epochs[lo], fastest: means[lo], std, mean };
}
