/**
 * Hook priorities (mmcv `Priority`): a lower value runs first; ties run in
 * registration order, so custom hooks come after default hooks of equal priority.
 */
export const Priority = {
  HIGHEST: 0,
  VERY_HIGH: 10,
  HIGH: 30,
  ABOVE_NORMAL: 40,
  NORMAL: 50,
  BELOW_NORMAL: 60,
  LOW: 70,
  VERY_LOW: 90,
  LOWEST: 100,
} as const;

export type PriorityName = keyof typeof Priority;
export type PriorityLike = number | PriorityName | Lowercase<PriorityName>;

/** Resolves an int (0..100) or a priority name (any case) to its number. */
export function getPriority(p: PriorityLike, where = 'priority'): number {
  if (typeof p === 'number') {
    if (!Number.isInteger(p) || p < 0 || p > 100) throw new Error(`${where}: priority must be an integer in 0..100, got ${p}`);
    return p;
  }
  if (typeof p === 'string') {
    const key = p.toUpperCase() as PriorityName;
    if (key in Priority) return Priority[key];
  }
  throw new Error(`${where}: unknown priority ${JSON.stringify(p)}; use 0..100 or one of ${Object.keys(Priority).join(', ')}`);
}

/** The name of a priority value when it has one, else the number as text. */
export function priorityName(v: number): string {
  const hit = Object.entries(Priority).find(([, n]) => n === v);
  return hit ? hit[0] : String(v);
}

import { Type } from '@sinclair/typebox';

/**
 * The `priority` key every hook config may carry (`custom_hooks: [{ type, priority }]`);
 * the runner takes it off before the hook is built. Spread into each hook's schema.
 */
export const HookPriorityProp = {
  priority: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 100 }), Type.String()], { description: 'hook priority: 0..100 or HIGHEST..LOWEST' })),
};
