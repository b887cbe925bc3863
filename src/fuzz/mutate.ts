/**
 * Seeded mutants of the shipped topologies, for the fuzz run: each mutant is a topology or
 * manifest text with one to three edits of the kinds hostile or unlucky users make (lines
 * deleted, duplicated or re-indented, values swapped for extreme ones, aliases, tags, binary
 * bytes, files cut short). The same seed gives the same mutants.
 */
import { Rng } from '../core/sim/rng.js';

export interface Seedling {
  readonly name: string;
  readonly text: string;
}

export interface Mutant {
  readonly name: string;
  readonly text: string;
  /** What was done, for the report when a mutant finds a bug. */
  readonly edits: readonly string[];
}

/** Values that break parsers, schemas and arithmetic when they land where another was. */
const HOSTILE_VALUES = [
  '',
  '-1',
  '0',
  '1e309',
  '-1e309',
  '.nan',
  '.inf',
  '999999999999999999999',
  `${'9'.repeat(309)}s`,
  '4294967296',
  '65536',
  'null',
  '~',
  '[]',
  '{}',
  '[[[[[[[[[[]]]]]]]]]]',
  '*undefined_anchor',
  '&anchor value',
  '!!binary AAAA',
  '!custom tag',
  '"\\e[31mred\\a"',
  "'",
  '"',
  '10.0.0.0/33',
  '10.0.0.1/8',
  '0.0.0.0/0',
  '255.255.255.255',
  '::1',
  'fd00::/48',
  'all()',
  'has(',
  "x == 'a' && (y == 'b'",
  '1000000',
  '150001',
  'true',
  'yes',
  '0x1F',
  '1:2:3',
  '2m30s',
  '-30s',
  '1e9h',
] as const;

const LONG_VALUES = [
  () => 'x'.repeat(70_000),
  () => `${'!('.repeat(500)}all()${')'.repeat(500)}`,
  () => `${'['.repeat(200)}${']'.repeat(200)}`,
];

const BOMB = [
  'a: &a [x,x,x,x,x,x,x,x,x,x]',
  'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]',
  'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]',
  'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]',
].join('\n');

type Edit = (lines: string[], rng: Rng) => string;

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng.next() * items.length)] as T;
}

function lineIndex(lines: readonly string[], rng: Rng): number {
  return Math.floor(rng.next() * lines.length);
}

const EDITS: readonly Edit[] = [
  (lines, rng) => {
    const i = lineIndex(lines, rng);
    lines.splice(i, 1);
    return `delete line ${i + 1}`;
  },
  (lines, rng) => {
    const i = lineIndex(lines, rng);
    lines.splice(i, 0, lines[i] ?? '');
    return `duplicate line ${i + 1}`;
  },
  (lines, rng) => {
    const i = lineIndex(lines, rng);
    const j = lineIndex(lines, rng);
    [lines[i], lines[j]] = [lines[j] ?? '', lines[i] ?? ''];
    return `swap lines ${i + 1} and ${j + 1}`;
  },
  (lines, rng) => {
    const i = lineIndex(lines, rng);
    lines[i] = rng.next() < 0.5 ? `  ${lines[i]}` : (lines[i] ?? '').replace(/^ {1,2}/, '');
    return `re-indent line ${i + 1}`;
  },
  (lines, rng) => {
    const candidates = lines.map((line, i) => (/:\s*\S/.test(line) ? i : -1)).filter((i) => i >= 0);
    if (candidates.length === 0) return 'no value to replace';
    const i = pick(rng, candidates);
    const value = rng.next() < 0.15 ? pick(rng, LONG_VALUES)() : pick(rng, HOSTILE_VALUES);
    lines[i] = (lines[i] ?? '').replace(/:(\s*)[^\n]*$/, `:$1${value}`);
    return `line ${i + 1}: value becomes ${value.length > 40 ? `${value.slice(0, 40)}… (${value.length} chars)` : value}`;
  },
  (lines, rng) => {
    const candidates = lines.map((line, i) => (/^\s*-?\s*[A-Za-z]+:/.test(line) ? i : -1)).filter((i) => i >= 0);
    if (candidates.length === 0) return 'no key to misspell';
    const i = pick(rng, candidates);
    lines[i] = (lines[i] ?? '').replace(
      /([A-Za-z])([A-Za-z]*):/,
      (_, first: string, rest: string) => `${rest.length > 0 ? rest : first}${first}:`,
    );
    return `line ${i + 1}: key misspelt`;
  },
  (lines, rng) => {
    const i = lineIndex(lines, rng);
    const bytes = Array.from({ length: 1 + Math.floor(rng.next() * 6) }, () =>
      String.fromCharCode(Math.floor(rng.next() * 256)),
    ).join('');
    const line = lines[i] ?? '';
    const at = Math.floor(rng.next() * (line.length + 1));
    lines[i] = line.slice(0, at) + bytes + line.slice(at);
    return `line ${i + 1}: raw bytes inserted`;
  },
  (lines, rng) => {
    const keep = Math.floor(rng.next() * lines.length);
    lines.splice(keep);
    return `cut after line ${keep}`;
  },
  (lines, rng) => {
    const i = lineIndex(lines, rng);
    lines.splice(i, 0, ...BOMB.split('\n'));
    return `alias bomb at line ${i + 1}`;
  },
  (lines, rng) => {
    const i = lineIndex(lines, rng);
    lines.splice(i, 0, '---');
    return `document split at line ${i + 1}`;
  },
];

/** Edits that often leave the file valid, so the mutant reaches the simulation with odd numbers. */
const GENTLE_EDITS: readonly Edit[] = [
  (lines, rng) => {
    const candidates = lines.map((line, i) => (/\b\d+\b/.test(line) ? i : -1)).filter((i) => i >= 0);
    if (candidates.length === 0) return 'no number to change';
    const i = pick(rng, candidates);
    const change = pick(rng, [
      (n: number) => n * 1000,
      (n: number) => n + 1,
      () => 0,
      (n: number) => Math.max(0, n - 1),
      (n: number) => n * 7,
    ]);
    const numbers = [...(lines[i] ?? '').matchAll(/\b\d+\b/g)];
    const target = pick(rng, numbers);
    const line = lines[i] ?? '';
    const at = target.index ?? 0;
    lines[i] = line.slice(0, at) + String(change(Number(target[0]))) + line.slice(at + target[0].length);
    return `line ${i + 1}: number ${target[0]} changed`;
  },
  (lines, rng) => {
    const candidates = lines.map((line, i) => (/^\s*- /.test(line) ? i : -1)).filter((i) => i >= 0);
    if (candidates.length === 0) return 'no list entry to repeat';
    const i = pick(rng, candidates);
    lines.splice(i, 0, lines[i] ?? '');
    return `line ${i + 1}: list entry repeated`;
  },
];

/** `count` mutants of the seedlings, the same for the same seed. */
export function mutants(seedlings: readonly Seedling[], seed: number, count: number): Mutant[] {
  const rng = new Rng(seed);
  const result: Mutant[] = [];
  for (let n = 0; n < count; n++) {
    const origin = pick(rng, seedlings);
    const lines = origin.text.split('\n');
    const edits: string[] = [];
    // Half the mutants get one gentle edit, which often keeps them valid; the rest up to three of any kind.
    if (rng.next() < 0.5) edits.push(pick(rng, GENTLE_EDITS)(lines, rng));
    else for (let k = 1 + Math.floor(rng.next() * 3); k > 0; k--) edits.push(pick(rng, EDITS)(lines, rng));
    result.push({ name: `${origin.name}#${n}`, text: lines.join('\n'), edits });
  }
  return result;
}
