/**
 * tools/print-config.ts as a subprocess under tsx (the tools' runtime; the
 * other tests cover loading under jest).
 */
import { execFile } from 'child_process';
import path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');
const FIX = path.join(__dirname, 'fixtures', 'configs');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}
function printConfig(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(TSX, [path.join(ROOT, 'tools', 'print-config.ts'), ...args], { cwd: ROOT, timeout: 60000 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? 1) : 0;
      resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
    });
  });
}

describe('print-config', () => {
  // All runs start at once: each pays tsx start-up, in parallel.
  let runs: Record<string, Run>;
  beforeAll(async () => {
    const cases: Record<string, string[]> = {
      ok: [path.join(FIX, 'level3.ts'), '--cfg-options', 'model.backbone.stages=[7, 8]', 'data.train.pipeline.0.type = X', 'runner.max_epochs=2'],
      typoType: [path.join(FIX, 'typo-type.ts')],
      typoArgNoValidate: [path.join(FIX, 'typo-arg.ts'), '--no-validate'],
      badOption: [path.join(FIX, 'level1.ts'), '--cfg-options', 'data.train.pipeline.9.x=1'],
    };
    const entries = await Promise.all(Object.entries(cases).map(async ([k, a]) => [k, await printConfig(a)] as const));
    runs = Object.fromEntries(entries);
  }, 120000);

  it('prints only the resolved config JSON on stdout', () => {
    const r = runs.ok;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const cfg = JSON.parse(r.stdout);
    expect(cfg.model).toEqual({
      type: 'coretest.TinyClassifier',
      backbone: { type: 'coretest.TinyNet', depth: 4, width: 1.5, stages: [7, 8] },
      head: { type: 'coretest.TinyHead', num_classes: 3 },
    });
    expect(cfg.data.train).toEqual({ type: 'coretest.TinyDataset', data_prefix: 'data/other', pipeline: [{ type: 'X' }] });
    expect(cfg.data.samples_per_gpu).toBe(16);
    expect(cfg.lr_config).toEqual({ policy: 'step', step: [10] });
    expect(cfg.runner).toEqual({ type: 'EpochBasedRunner', max_epochs: 2 });
    expect(cfg.optimizer).toEqual({ type: 'coretest.TinySGD', lr: 0.1, momentum: 0.9, paramwise_cfg: { norm_decay_mult: 0 } });
    expect(r.stdout).not.toContain('_delete_');
    expect(r.stdout).not.toContain('_base_');
  });

  it('fails with the config path and a suggestion on a typo in a type', () => {
    const r = runs.typoType;
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`print-config: invalid config ${path.join(FIX, 'typo-type.ts')} (1 problem):`);
    expect(r.stderr).toContain("model.backbone.type: 'coretest.TinyNte' is not registered in the models registry");
    expect(r.stderr).toContain("did you mean: 'coretest.TinyNet'?");
  });

  it('--no-validate skips validation', () => {
    expect(runs.typoArgNoValidate.code).toBe(0);
    expect(JSON.parse(runs.typoArgNoValidate.stdout).model.backbone.dpeth).toBe(5);
  });

  it('names the option and the file on other errors', () => {
    expect(runs.badOption.code).toBe(1);
    expect(runs.badOption.stderr).toMatch(/--cfg-options data\.train\.pipeline\.9\.x: index 9 is out of range .*\(config: .*level1\.ts\)/);
    expect(runs.badOption.stdout).toBe('');
  });
});
