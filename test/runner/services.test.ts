import { TOKENS } from '../../src/di';
import { Logger } from '../../src/runner/logger';
import { buildClassifier, createRunServices } from '../../src/runner/api/build';
import { initBackend } from '../../src/backend/backend';
import '@fer-mm/apvit';
import { tinyConfig } from '../apvit/tiny';

describe('per-run DI services', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('each run gets its own child container with its logger and config', () => {
    const a = new Logger({ console: false });
    const b = new Logger({ console: false });
    const cfgA = { model: { type: 'X' } };
    const cfgB = { model: { type: 'Y' } };
    const ra = createRunServices(cfgA, a);
    const rb = createRunServices(cfgB, b);
    expect(ra.container).not.toBe(rb.container);
    expect(ra.container.get(TOKENS.Logger)).toBe(a);
    expect(rb.container.get(TOKENS.Logger)).toBe(b);
    expect(ra.container.get(TOKENS.Config)).toBe(cfgA);
    expect(rb.container.get(TOKENS.Config)).toBe(cfgB);
  });

  it('model components log through the run logger they were built with', async () => {
    const lines: string[] = [];
    const logger = new Logger({});
    logger.sink = (line) => lines.push(line);
    const model = tinyConfig();
    const cfg = { model: { ...model, vit: { ...model.vit, img_size: 112 } } };
    const m = await buildClassifier(cfg, { loadPretrained: false, services: createRunServices(cfg, logger) });
    expect(lines.some((l) => /WARNING - model\.vit: Unused kwargs: img_size/.test(l))).toBe(true);
    m.dispose?.();
  });
});
