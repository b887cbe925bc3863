/** Simulated durations as users write them (`30s`, `2m`, `500ms`, or plain seconds). */
const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };

export function parseDuration(value: number | string): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value);
  if (match === null) throw new Error(`parseDuration given an unvalidated value "${value}"`);
  return Number(match[1]) * (UNIT_SECONDS[match[2] as string] as number);
}
