/**
 * Launchers (`--launcher none|multi-gpu`): how a tool gets its
 * {@link DistContext}. `none` is one process. A multi-process launcher is
 * registered by `src/distributed` through {@link registerLauncher}; it either spawns
 * the workers (the parent then only waits for them) or, inside a worker,
 * returns the process group.
 */
import { SingleProcessDist } from './dist';
import type { DistContext } from '../contracts/dist';

export interface LaunchOptions {
  /** Processes to start (`--gpus`). */
  gpus: number;
  /** The tool's own argv (the parent re-runs it in each worker). */
  argv: string[];
  /** `--backend`, forwarded to the workers. */
  backend?: string;
  /** The config's `dist_params` (which collective engine joins the ranks; see docs/distributed.md). */
  distParams?: Record<string, unknown>;
}

export type LaunchOutcome = { role: 'parent'; exitCode: number } | { role: 'worker'; dist: DistContext };

export type Launcher = (opts: LaunchOptions) => Promise<LaunchOutcome>;

const launchers = new Map<string, Launcher>([['none', async () => ({ role: 'worker', dist: new SingleProcessDist() })]]);

export function registerLauncher(name: string, fn: Launcher): void {
  launchers.set(name, fn);
}

export function launcherNames(): string[] {
  return [...launchers.keys()];
}

export async function launch(name: string, opts: LaunchOptions): Promise<LaunchOutcome> {
  const fn = launchers.get(name);
  if (!fn) {
    // src/distributed sits above the runner (it plugs in here), so the runner cannot load it itself.
    throw new Error(`--launcher: '${name}' is not available (known: ${launcherNames().join(', ')}; the multi-process launchers register when 'fer-mm/distributed' is imported)`);
  }
  return fn(opts);
}
