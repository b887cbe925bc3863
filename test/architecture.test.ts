/**
 * The core stays pure: nothing under src/core imports IO, CLI or UI libraries, reads the clock
 * or draws randomness, and modules depend on each other in one direction only.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoPath } from './helpers/cli.js';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') || path.endsWith('.tsx') ? [path] : [];
  });
}

const CORE = repoPath('src/core');
const BANNED_IMPORTS = /from\s+['"](node:)?(fs|fs\/promises|process|child_process|yaml|commander|ink|react|react\/.*|ink-.*)['"]/;
const BANNED_CALLS = /\b(Date\.now|Math\.random|performance\.now|console\.\w+|process\.\w+)\b|new Date\(\)/;
/** Each concept may import only the ones to its left. */
const LAYERS = ['net', 'selector', 'sim', 'topology', 'ipam', 'cluster', 'bgp', 'fib', 'trace', 'checks'];

describe('architecture', () => {
  const sources = files(CORE).map((path) => ({ path, rel: relative(CORE, path), text: readFileSync(path, 'utf8') }));

  it('finds the core modules', () => {
    expect(sources.length).toBeGreaterThan(10);
  });

  it('src/core imports no fs, process, yaml, commander, ink or React', () => {
    const offenders = sources.filter((s) => BANNED_IMPORTS.test(s.text)).map((s) => s.rel);
    expect(offenders).toEqual([]);
  });

  it('src/core reads no clock, no Math.random, no console or process', () => {
    const offenders = sources.filter((s) => BANNED_CALLS.test(s.text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ''))).map((s) => s.rel);
    expect(offenders).toEqual([]);
  });

  it('core modules depend one way: each only on modules to its left', () => {
    const violations: string[] = [];
    for (const source of sources) {
      const own = source.rel.split('/')[0] as string;
      for (const match of source.text.matchAll(/from\s+'\.\.\/([a-z-]+)\//g)) {
        const target = match[1] as string;
        if (LAYERS.indexOf(target) >= LAYERS.indexOf(own)) violations.push(`${source.rel} imports ${target}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('the detector itself catches what it must', () => {
    expect(BANNED_IMPORTS.test("import { readFileSync } from 'node:fs';")).toBe(true);
    expect(BANNED_IMPORTS.test("import { parse } from 'yaml';")).toBe(true);
    expect(BANNED_CALLS.test('const t = Date.now();')).toBe(true);
    expect(BANNED_CALLS.test('const r = Math.random();')).toBe(true);
  });
});
