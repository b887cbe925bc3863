import type { IssueCode } from '../core/topology/model.js';

/** A message about a place in a file, and its one-line form `file:line:column: message`. */
export interface LocatedMessage {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** What kind of problem it is, for tests and tools; the message is for people. */
  readonly code: IssueCode;
  readonly message: string;
}

export function formatLocated(problem: LocatedMessage): string {
  return `${printable(problem.file)}:${problem.line}:${problem.column}: ${printable(problem.message)}`;
}

/**
 * Text from a user's file made safe to print: control characters (terminal escapes among them)
 * and U+FFFD left by bytes that were not UTF-8 become visible escapes, never raw output.
 */
export function printable(text: string): string {
  return text.replace(
    UNPRINTABLE,
    (c) => ESCAPES[c] ?? (c === '\ufffd' ? '\\ufffd' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`),
  );
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\ufffd]/g;
const ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\t': '\\t' };

/** Several lines of user-facing text made safe to print, each line on its own. */
export function printableLines(text: string): string {
  return text.split('\n').map(printable).join('\n');
}

/** A count with thousands separators, the same on every machine whatever its locale. */
export function thousands(value: number): string {
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
