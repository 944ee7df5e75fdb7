/**
 * A pre-scan of JSON text that bounds its nesting depth and the number of
 * arrays/objects before `JSON.parse` sees it: a 60 MB `[[[[...` or a 96 MB
 * `[],[],...` would otherwise cost gigabytes inside the parser.
 */

export interface JsonBudget {
  /** Deepest nesting of arrays/objects. */
  maxDepth: number;
  /** Arrays and objects in the whole text. */
  maxContainers: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Returns undefined when `text` (bytes or a string) fits the budget, else
 * what was exceeded. Brackets inside strings are not counted.
 */
export function jsonBudgetProblem(text: Uint8Array | string, budget: JsonBudget): string | undefined {
  const n = text.length;
  const at: (i: number) => number = typeof text === 'string' ? (i) => text.charCodeAt(i) : (i) => text[i];
  let depth = 0;
  let containers = 0;
  let inString = false;
  for (let i = 0; i < n; i++) {
    const c = at(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
      continue;
    }
    if (c === QUOTE) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > budget.maxDepth) return `nested deeper than ${budget.maxDepth} levels (limit maxDepth)`;
      if (++containers > budget.maxContainers) return `holds more than ${budget.maxContainers} arrays/objects (limit maxContainers)`;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return undefined;
}

/** Sets an own property even when the key is `__proto__` (plain assignment would set the prototype). */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}
