/**
 * podnet's layering, checked on the real import graph: every static import, `export … from`,
 * `import()` and `require()` of every source file, found by the TypeScript compiler's own
 * pre-processor (not a regular expression), with relative specifiers resolved to files.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, normalize, relative, sep } from 'node:path';
import ts from 'typescript';

export interface SourceFile {
  /** Relative to src/, with forward slashes. */
  readonly path: string;
  readonly text: string;
}

export type Area = 'core' | 'io' | 'cli' | 'tui' | 'tool';

/** Which areas each area may import: core nothing but itself; edges go inward only. */
const MAY_IMPORT: Readonly<Record<Area, readonly Area[]>> = {
  core: ['core'],
  io: ['core', 'io'],
  tui: ['core', 'io', 'tui'],
  cli: ['core', 'io', 'cli', 'tui'],
  tool: ['core', 'io', 'cli', 'tool'],
};

/** The core's concepts, each importing only those to its left; root files (order.ts) come first. */
export const CORE_CONCEPTS = [
  '',
  'net',
  'selector',
  'sim',
  'topology',
  'ipam',
  'cluster',
  'policy',
  'bgp',
  'fib',
  'trace',
  'query',
  'checks',
];

/** Packages and built-ins the core may use: pure computation, no IO, no clock. */
const CORE_PACKAGES = new Set(['zod', 'ip-address', 'graphology', 'fastest-levenshtein', 'node:crypto']);
/** Packages only the terminal UI may use, and commander only the CLI. */
const UI_PACKAGES = /^(ink|ink-.*|react|react\/.*)$/;

export function sourceFiles(srcDir: string): SourceFile[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : /\.tsx?$/.test(name) ? [path] : [];
    });
  return walk(srcDir).map((path) => ({
    path: relative(srcDir, path).split(sep).join('/'),
    text: readFileSync(path, 'utf8'),
  }));
}

export function areaOf(path: string): Area {
  const top = path.split('/')[0];
  if (top === 'core' || top === 'io' || top === 'cli' || top === 'tui') return top;
  return 'tool';
}

function conceptOf(path: string): string {
  const parts = path.split('/');
  return parts.length > 2 ? (parts[1] as string) : '';
}

export function importsOf(file: SourceFile): string[] {
  return ts.preProcessFile(file.text, true, true).importedFiles.map((f) => f.fileName);
}

function resolveSpecifier(from: string, specifier: string): string {
  return normalize(join(dirname(from), specifier))
    .split(sep)
    .join('/')
    .replace(/\.js$/, '.ts');
}

/** Every import that breaks the layering, as "file imports target: why". */
export function layeringViolations(files: readonly SourceFile[]): string[] {
  const known = new Set(files.map((f) => f.path));
  const violations: string[] = [];
  for (const file of files) {
    const area = areaOf(file.path);
    for (const specifier of importsOf(file)) {
      const problem = specifier.startsWith('.')
        ? relativeProblem(file.path, area, specifier, known)
        : packageProblem(area, specifier);
      if (problem !== undefined) violations.push(`${file.path} imports ${specifier}: ${problem}`);
    }
  }
  return violations;
}

function relativeProblem(from: string, area: Area, specifier: string, known: ReadonlySet<string>): string | undefined {
  let target = resolveSpecifier(from, specifier);
  if (!known.has(target) && known.has(target.replace(/\.ts$/, '.tsx'))) target = target.replace(/\.ts$/, '.tsx');
  if (target.startsWith('..')) return 'reaches outside src/';
  const targetArea = areaOf(target);
  if (!MAY_IMPORT[area].includes(targetArea)) return `${area} may not import ${targetArea}`;
  if (area === 'cli' && targetArea === 'tui' && target !== 'tui/run.ts')
    return 'the CLI starts the TUI only through tui/run.ts';
  if (area === 'core' && conceptOf(from) !== conceptOf(target)) {
    const own = CORE_CONCEPTS.indexOf(conceptOf(from));
    const other = CORE_CONCEPTS.indexOf(conceptOf(target));
    if (own < 0 || other < 0) return `core/${conceptOf(own < 0 ? from : target)} is not a concept the layering knows`;
    if (other > own)
      return `core/${conceptOf(from) || '(root)'} may import only concepts to its left, not ${conceptOf(target)}`;
  }
  return undefined;
}

function packageProblem(area: Area, specifier: string): string | undefined {
  const builtin = specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0] as string);
  if (area === 'core')
    return CORE_PACKAGES.has(specifier)
      ? undefined
      : builtin
        ? 'the core uses no Node built-in but node:crypto'
        : 'the core uses only zod, ip-address, graphology and fastest-levenshtein';
  if (UI_PACKAGES.test(specifier) && area !== 'tui') return 'only the terminal UI uses Ink and React';
  if (specifier === 'commander' && area !== 'cli') return 'only the CLI uses commander';
  return undefined;
}
