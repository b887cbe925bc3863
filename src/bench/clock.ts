/** The bench's wall clock: seconds since a moment, and a run with its wall time. */

function seconds(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e9;
}

export function timed<T>(run: () => T): [T, number] {
  const start = process.hrtime.bigint();
  const value = run();
  return [value, seconds(start)];
}
