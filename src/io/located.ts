/** A message about a place in a file, and its one-line form `file:line:column: message`. */
export interface LocatedMessage {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export function formatLocated(problem: LocatedMessage): string {
  return `${problem.file}:${problem.line}:${problem.column}: ${problem.message}`;
}
