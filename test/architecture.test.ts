/**
 * The layering holds on the real import graph: the core imports nothing outside itself (and no
 * IO), io imports only the core, the CLI reaches the TUI only through tui/run.ts, the TUI never
 * imports the CLI, and the core's concepts depend one way. The core reads no clock and draws no
 * randomness. Each guard is shown failing on imports injected into a copy of the tree.
 */
import { describe, expect, it } from 'vitest';
import { repoPath } from './helpers/cli.js';
import { layeringViolations, type SourceFile, sourceFiles } from './helpers/import-graph.js';

const SOURCES = sourceFiles(repoPath('src'));
const BANNED_CALLS = /\b(Date\.now|Math\.random|performance\.now|console\.\w+|process\.\w+)\b|new Date\(\)/;

function withFile(path: string, text: string): SourceFile[] {
  return [...SOURCES, { path, text }];
}

describe('architecture', () => {
  it('finds every source file', () => {
    expect(SOURCES.filter((f) => f.path.startsWith('core/')).length).toBeGreaterThan(30);
  });

  it('no import breaks the layering', () => {
    expect(layeringViolations(SOURCES)).toEqual([]);
  });

  it('src/core reads no clock, no Math.random, no console or process', () => {
    const offenders = SOURCES.filter(
      (f) => f.path.startsWith('core/') && BANNED_CALLS.test(f.text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '')),
    ).map((f) => f.path);
    expect(offenders).toEqual([]);
  });

  it('fails on an io import, a dynamic import of node:fs and a re-export from the CLI injected into core', () => {
    const injected = withFile(
      'core/net/evil.ts',
      "import '../../io/located.js';\nexport async function f() {\n  await import('node:fs');\n}\nexport { main } from '../../cli/main.js';\n",
    );
    expect(layeringViolations(injected)).toEqual([
      'core/net/evil.ts imports ../../io/located.js: core may not import io',
      'core/net/evil.ts imports node:fs: the core uses no Node built-in but node:crypto',
      'core/net/evil.ts imports ../../cli/main.js: core may not import cli',
    ]);
  });

  it('fails on io importing the CLI, the TUI importing the CLI, the CLI reaching into the TUI, and a concept importing one to its right', () => {
    expect(layeringViolations(withFile('io/evil.ts', "export * from '../cli/errors.js';\n"))).toEqual([
      'io/evil.ts imports ../cli/errors.js: io may not import cli',
    ]);
    expect(layeringViolations(withFile('tui/evil.ts', "import { main } from '../cli/main.js';\n"))).toEqual([
      'tui/evil.ts imports ../cli/main.js: tui may not import cli',
    ]);
    expect(layeringViolations(withFile('cli/evil.ts', "const s = await import('../tui/state.js');\n"))).toEqual([
      'cli/evil.ts imports ../tui/state.js: the CLI starts the TUI only through tui/run.ts',
    ]);
    expect(layeringViolations(withFile('core/net/evil.ts', "import { Tracer } from '../trace/index.js';\n"))).toEqual([
      'core/net/evil.ts imports ../trace/index.js: core/net may import only concepts to its left, not trace',
    ]);
    expect(layeringViolations(withFile('io/evil.ts', "import { render } from 'ink';\n"))).toEqual([
      'io/evil.ts imports ink: only the terminal UI uses Ink and React',
    ]);
  });

  it('the clock guard catches what it must', () => {
    expect(BANNED_CALLS.test('const t = Date.now();')).toBe(true);
    expect(BANNED_CALLS.test('const r = Math.random();')).toBe(true);
  });
});
