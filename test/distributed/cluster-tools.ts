/**
 * Real cluster tools for the launcher tests: slurm (started on localhost by
 * tools/ci/start-slurm.sh), mpirun and network namespaces. When one is
 * missing a test is skipped with a loud message, or fails when
 * FER_MM_REQUIRE_CLUSTER=1 (CI sets it after installing them).
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

export const REQUIRE_CLUSTER = process.env.FER_MM_REQUIRE_CLUSTER === '1';
const ROOT = path.resolve(__dirname, '../..');

function has(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Why the tools are unusable here, or null. */
export function missingTools(tools: string[]): string | null {
  const gone = tools.filter((t) => !has(t));
  return gone.length ? `${gone.join(', ')} not installed` : null;
}

/** Starts (or finds) the localhost slurm cluster; the reason on failure. */
export function startSlurm(): string | null {
  const missing = missingTools(['srun', 'sinfo', 'slurmctld', 'slurmd', 'munged']);
  if (missing) return missing;
  if (process.getuid?.() !== 0) return 'starting slurm needs root';
  try {
    execFileSync('bash', [path.join(ROOT, 'tools/ci/start-slurm.sh')], { encoding: 'utf8', timeout: 60_000, stdio: 'pipe' });
    return null;
  } catch (e) {
    const out = e as { stdout?: string; stderr?: string; message: string };
    return `tools/ci/start-slurm.sh failed: ${(out.stdout || out.stderr || out.message).trim().split('\n').slice(-3).join(' | ')}`;
  }
}

/** Network namespaces usable (root, iproute2, the kernel allows them); the reason otherwise. */
export function netnsUnavailable(): string | null {
  const missing = missingTools(['ip']);
  if (missing) return `${missing} (iproute2)`;
  const probe = `fermm-probe-${process.pid}`;
  try {
    execFileSync('ip', ['netns', 'add', probe], { stdio: 'pipe' });
  } catch (e) {
    return `'ip netns add' refused: ${String((e as { stderr?: Buffer }).stderr ?? e).trim()}`;
  }
  try {
    execFileSync('ip', ['netns', 'del', probe], { stdio: 'pipe' });
  } catch {
    /* deleted with the test's own namespaces at worst */
  }
  return null;
}

/**
 * For a test that needs `what`: true when it may run. Otherwise a loud skip
 * (the reason on the console), or a failure under FER_MM_REQUIRE_CLUSTER=1.
 */
export function usable(what: string, reason: string | null): boolean {
  if (reason === null) return true;
  if (REQUIRE_CLUSTER) throw new Error(`${what} is required (FER_MM_REQUIRE_CLUSTER=1) but unusable: ${reason}`);
  console.warn(`*** SKIPPED ${what}: ${reason} (set FER_MM_REQUIRE_CLUSTER=1 to make this a failure) ***`);
  return false;
}

/** Two namespaces joined by a veth pair, 10.231.N.1/30 and .2/30; `remove()` deletes both. */
export class NetnsPair {
  readonly ns: [string, string];
  readonly dev: [string, string];
  readonly addr: [string, string];
  constructor(tag: number) {
    const n = 100 + (tag % 150);
    this.ns = [`fermm-a-${tag}`, `fermm-b-${tag}`];
    this.dev = [`fmva${n}`, `fmvb${n}`];
    this.addr = [`10.231.${n}.1`, `10.231.${n}.2`];
  }
  private ip(args: string[]): void {
    execFileSync('ip', args, { stdio: 'pipe' });
  }
  create(): void {
    const [a, b] = this.ns;
    this.ip(['netns', 'add', a]);
    this.ip(['netns', 'add', b]);
    this.ip(['link', 'add', this.dev[0], 'netns', a, 'type', 'veth', 'peer', 'name', this.dev[1], 'netns', b]);
    for (const i of [0, 1]) {
      this.ip(['-n', this.ns[i], 'addr', 'add', `${this.addr[i]}/30`, 'dev', this.dev[i]]);
      this.ip(['-n', this.ns[i], 'link', 'set', 'lo', 'up']);
      this.ip(['-n', this.ns[i], 'link', 'set', this.dev[i], 'up']);
    }
  }
  /** Takes the first namespace's end of the link down (both sides lose each other). */
  cut(): void {
    this.ip(['-n', this.ns[0], 'link', 'set', this.dev[0], 'down']);
  }
  remove(): void {
    for (const n of this.ns) {
      try {
        this.ip(['netns', 'del', n]); // deletes its veth end, and so the pair
      } catch {
        /* never created */
      }
    }
  }
}
