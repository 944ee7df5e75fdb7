import { LOGGER } from '../../src/di';
import { Logger } from '../../src/runner/logger';
import { buildModel, createRunContainer } from '../../src/runner/api/build';
import { initBackend } from '../../src/backend/backend';
import '@fer-mm/apvit';
import { tinyConfig } from '../apvit/tiny';

describe('per-run DI services', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('each run gets its own child container with its logger', () => {
    const a = new Logger({ console: false });
    const b = new Logger({ console: false });
    const ra = createRunContainer(a);
    const rb = createRunContainer(b);
    expect(ra).not.toBe(rb);
    expect(ra.get(LOGGER)).toBe(a);
    expect(rb.get(LOGGER)).toBe(b);
  });

  it('model components log through the run logger they were built with', async () => {
    const lines: string[] = [];
    const logger = new Logger({});
    logger.sink = (line) => lines.push(line);
    const model = tinyConfig();
    const cfg = { model: { ...model, vit: { ...model.vit, img_size: 112 } } };
    const m = await buildModel(cfg, { loadPretrained: false, container: createRunContainer(logger) });
    expect(lines.some((l) => /WARNING - model\.vit: Unused kwargs: img_size/.test(l))).toBe(true);
    m.dispose?.();
  });
});
