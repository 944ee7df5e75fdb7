/** Schema check of a config section that is not built through a registry (e.g. `evaluation`). */
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export function checkArgs(schema: TSchema, args: Record<string, unknown>, where: string): void {
  // Defaults first: keys with a default are 'required' in the schema but optional in a config.
  const filled = Value.Default(schema, structuredClone(args));
  const errors = [...Value.Errors(schema, filled)];
  if (!errors.length) return;
  const lines = errors.map((e) => {
    const at = e.path ? `${where}${e.path.replace(/\//g, '.')}` : where;
    return `  - ${at}: ${e.message} (got ${JSON.stringify(e.value)})`;
  });
  const known = Object.keys((schema as { properties?: object }).properties ?? {});
  throw new Error(`invalid ${where} (${errors.length} problem${errors.length > 1 ? 's' : ''}):\n${lines.join('\n')}\n  known keys: ${known.join(', ')}`);
}
