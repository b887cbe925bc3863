/** For the default branch of a switch over a closed union: the compiler proves it unreachable. */
export function assertNever(value: never, what: string): never {
  throw new Error(`unhandled ${what}: ${JSON.stringify(value)}`);
}
