/**
 * Dumps a resolved config for the work dir and checkpoint meta: pretty JSON,
 * or a `.ts` module (`export default {...}`) that loads back to the same data.
 */
export type DumpFormat = 'json' | 'ts';

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function tsValue(v: unknown, indent: string): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
  if (typeof v === 'boolean') return String(v);
  const inner = `${indent}  `;
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    const flat = v.every((x) => x === null || typeof x !== 'object');
    if (flat) {
      const one = `[${v.map((x) => tsValue(x, inner)).join(', ')}]`;
      if (one.length <= 80) return one;
    }
    return `[\n${v.map((x) => `${inner}${tsValue(x, inner)},`).join('\n')}\n${indent}]`;
  }
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    if (entries.length === 0) return '{}';
    const lines = entries.map(([k, x]) => `${inner}${IDENT.test(k) ? k : `'${k.replace(/'/g, "\\'")}'`}: ${tsValue(x, inner)},`);
    return `{\n${lines.join('\n')}\n${indent}}`;
  }
  // Functions / classes cannot round-trip; keep their name so the dump stays readable.
  return `'${String((v as { name?: string }).name ?? v)}'`;
}

/** Serializes `cfg`; `source` is named in the `.ts` header comment. */
export function dumpConfig(cfg: unknown, format: DumpFormat = 'json', source?: string): string {
  if (format === 'json') {
    return `${JSON.stringify(cfg, (_k, v) => (typeof v === 'function' ? (v as { name?: string }).name : v), 2)}\n`;
  }
  const header = `// Resolved config${source ? ` of ${source}` : ''} (generated; _base_ already merged)\n`;
  return `${header}export default ${tsValue(cfg, '')};\n`;
}
