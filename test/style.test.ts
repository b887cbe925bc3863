/**
 * Size guards a reviewer would otherwise enforce by hand: no source file over 500 lines and no
 * function over 80 (counted on the TypeScript syntax tree, so tables of data do not count).
 * Formatting and lint rules are Biome's (npm run lint).
 */
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { repoPath } from './helpers/cli.js';
import { sourceFiles } from './helpers/import-graph.js';

const FILE_LINES = 500;
const FUNCTION_LINES = 80;
const SOURCES = sourceFiles(repoPath('src'));

function longFunctions(path: string, text: string): string[] {
  const kind = path.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, kind);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
      const first = file.getLineAndCharacterOfPosition(node.getStart()).line;
      const last = file.getLineAndCharacterOfPosition(node.end).line;
      const name = node.name?.getText(file) ?? '(anonymous)';
      if (last - first + 1 > FUNCTION_LINES) found.push(`${path}:${first + 1} ${name}: ${last - first + 1} lines`);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

describe('size', () => {
  it(`no source file is over ${FILE_LINES} lines`, () => {
    const long = SOURCES.map((f) => ({ path: f.path, lines: f.text.split('\n').length - 1 })).filter(
      (f) => f.lines > FILE_LINES,
    );
    expect(long).toEqual([]);
  });

  it(`no function is over ${FUNCTION_LINES} lines`, () => {
    expect(SOURCES.flatMap((f) => longFunctions(f.path, f.text))).toEqual([]);
  });

  it('the function guard can fail', () => {
    const body = Array.from({ length: 81 }, (_, i) => `  const v${i} = ${i};`).join('\n');
    expect(longFunctions('x.ts', `function big() {\n${body}\n}\n`)).toEqual(['x.ts:1 big: 83 lines']);
  });
});
