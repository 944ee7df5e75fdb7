/** Runs the PyTorch timing stand-in (apvit_bench.py beside this file) and parses its images/s. */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const SCRIPT = path.join(__dirname, 'apvit_bench.py');

/** `.venv-torch/bin/python` of the project when present (its set-up is in the script's header), else python3. */
export function defaultTorchPython(): string {
  const venv = path.resolve(__dirname, '../../.venv-torch/bin/python');
  return fs.existsSync(venv) ? venv : 'python3';
}

/** Resident set after one phase of the torch step, and its peak during the phase. */
export interface TorchPhase {
  phase: string;
  rssMiB: number;
  peakRssMiB: number;
}

export interface TorchResult {
  imagesPerSec: number;
  threads: number;
  /** Peak resident set of the torch process. */
  peakRssMiB: number;
  /** Phases of its last timed iteration. */
  memory: TorchPhase[];
}

export function runTorchBench(a: { python: string; batch: number; iters: number; train: boolean }): Promise<TorchResult> {
  const args = [SCRIPT, '--batch', String(a.batch), '--iters', String(a.iters), ...(a.train ? ['--train'] : [])];
  return new Promise((resolve, reject) => {
    const p = spawn(a.python, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', (e) => reject(new Error(`--compare-torch: cannot run '${a.python}': ${e.message} (set --torch-python; see ${path.relative(process.cwd(), SCRIPT)})`)));
    p.on('close', (code) => {
      const m = /: ([\d.]+) img\/s \(threads (\d+)\), peak RSS (\d+) MiB/.exec(out);
      const phases = /^phases (.*)$/m.exec(out);
      if (code !== 0 || !m || !phases) {
        reject(new Error(`--compare-torch: ${a.python} ${args.join(' ')} exited ${code}:\n${out.trim().split('\n').slice(-5).join('\n')}`));
        return;
      }
      resolve({ imagesPerSec: Number(m[1]), threads: Number(m[2]), peakRssMiB: Number(m[3]), memory: JSON.parse(phases[1]) as TorchPhase[] });
    });
  });
}
