/** kubectl's `-l` selector language: what each requirement selects, and how a bad one is refused. */
import { describe, expect, it } from 'vitest';
import { type Labels, matches } from '../../src/core/selector/index.js';
import { parseLabelSelector } from '../../src/core/selector/label-selector.js';

const WEB: Labels = { app: 'web', tier: 'front', 'example.com/team': 'blue' };
const DB: Labels = { app: 'db', tier: 'back' };
const BARE: Labels = {};

function selected(text: string): string[] {
  const parsed = parseLabelSelector(text);
  if (!parsed.ok) throw new Error(`${text}: ${parsed.reason}`);
  return Object.entries({ WEB, DB, BARE })
    .filter(([, labels]) => matches(parsed.selector, labels))
    .map(([name]) => name);
}

describe('kubectl label selectors', () => {
  it.each([
    ['', ['WEB', 'DB', 'BARE']],
    ['app', ['WEB', 'DB']],
    ['!app', ['BARE']],
    ['app=web', ['WEB']],
    ['app==web', ['WEB']],
    // As in Kubernetes, != and notin also select objects that lack the label.
    ['app!=web', ['DB', 'BARE']],
    ['app in (web, db)', ['WEB', 'DB']],
    ['app notin (web)', ['DB', 'BARE']],
    ['app,tier=back', ['DB']],
    ['example.com/team=blue', ['WEB']],
    ['tier=', []],
  ])('%j selects %j', (text, expected) => {
    expect(selected(text)).toEqual(expected);
  });

  it.each([
    ['app in (', "found '', expected: ',' or ')'"],
    ['app in ()', "for 'in', 'notin' operators, values set can't be empty"],
    ['=web', "found '=', expected: identifier"],
    ['app=web tier', "found 'tier', expected: ',' or 'end of string'"],
    ['app>3', "podnet does not model numeric requirements ('>')"],
    ['-app=x', 'invalid label key "-app"'],
    ['app=bad value!', "found 'value', expected: ',' or 'end of string'"],
    ['app=-x', 'invalid label value "-x"'],
  ])('%j is refused: %s', (text, reason) => {
    const parsed = parseLabelSelector(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain(reason);
  });
});
