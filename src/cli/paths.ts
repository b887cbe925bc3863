/** Paths as a command shows them: relative to where the user stands when that is shorter. */
import { isAbsolute, relative } from 'node:path';
import type { CliIo } from './io.js';

export function displayPath(io: Pick<CliIo, 'cwd'>, path: string): string {
  const rel = relative(io.cwd, path);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}
