/** Keys to actions, in one place. `KEYS` is also what the help screen lists. */
import type { Action, NodeTab } from './state.js';

export interface KeyInfo {
  readonly input: string;
  readonly upArrow?: boolean;
  readonly downArrow?: boolean;
  readonly leftArrow?: boolean;
  readonly rightArrow?: boolean;
  readonly return?: boolean;
  readonly escape?: boolean;
  readonly tab?: boolean;
  readonly shift?: boolean;
  readonly pageUp?: boolean;
  readonly pageDown?: boolean;
}

export const KEYS: readonly (readonly [string, string])[] = [
  ['tab / shift-tab', 'next / previous view (Cluster, Pods, Events, Trace)'],
  ['1 2 3 4', 'go to a view'],
  ['left / right', 'previous / next machine; in Trace: source, destination, port'],
  ['up / down', 'move the selection, scroll a detail; in Trace: change it'],
  ['s r i p', 'Cluster tabs: Sessions, Routes (BIRD), IP routes (FIB), Pods'],
  ['enter / esc', 'open / close: explain a route, describe a pod'],
  ['space', 'play / pause simulated time'],
  ['n / b', 'step to the next / back to the previous event'],
  ['g', 'jump to converged'],
  ['+ / -', 'faster / slower (x1, x10, x60, x600)'],
  ['f / F / R', 'fail / restore / gracefully restart the selected machine'],
  ['l / L', "fail / restore the link to the selected session's peer"],
  ['d / D', 'disable / enable the selected session here (birdc disable)'],
  ['c', 'create a pod on the selected node'],
  ['x', 'delete the selected pod (Pods view)'],
  ['[ / ]', 'page up / page down'],
  ['mouse', 'click a view, a machine, a tab or a row; the wheel scrolls'],
  ['?', 'this help'],
  ['q', 'quit'],
];

const BY_CHAR: Readonly<Record<string, Action>> = {
  q: { type: 'quit' },
  '?': { type: 'toggle-help' },
  ' ': { type: 'play-pause' },
  n: { type: 'step-forward' },
  b: { type: 'step-back' },
  g: { type: 'jump-converged' },
  '+': { type: 'faster' },
  '=': { type: 'faster' },
  '-': { type: 'slower' },
  f: { type: 'fail-node' },
  F: { type: 'restore-node' },
  R: { type: 'restart-node' },
  l: { type: 'fail-link' },
  L: { type: 'restore-link' },
  d: { type: 'disable-session' },
  D: { type: 'enable-session' },
  c: { type: 'create-pod' },
  x: { type: 'delete-pod' },
  '[': { type: 'page-up' },
  ']': { type: 'page-down' },
  '1': { type: 'select-view', view: 'cluster' },
  '2': { type: 'select-view', view: 'pods' },
  '3': { type: 'select-view', view: 'events' },
  '4': { type: 'select-view', view: 'trace' },
  j: { type: 'down' },
  k: { type: 'up' },
};

/** The tab keys of the Cluster view: s(essions), r(outes), i(p route), p(ods). */
const TAB_KEYS: Readonly<Record<string, NodeTab>> = { s: 'sessions', r: 'routes', i: 'fib', p: 'pods' };

/** A mouse report in xterm's SGR encoding (`ESC [ < button ; column ; row M`), Ink hands it over without the ESC. */
export interface MouseEvent {
  readonly button: number;
  readonly column: number;
  readonly row: number;
  readonly press: boolean;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escapes are what this matches
const SGR_MOUSE = /^\u001B?\[<(\d+);(\d+);(\d+)([Mm])$/;

export function mouseEventOf(input: string): MouseEvent | undefined {
  const match = SGR_MOUSE.exec(input);
  if (match === null) return undefined;
  return { button: Number(match[1]), column: Number(match[2]), row: Number(match[3]), press: match[4] === 'M' };
}

/** Wheel up and down scroll like the arrow keys; clicks are placed by the app, which knows the layout. */
export function wheelAction(mouse: MouseEvent): Action | undefined {
  if (mouse.button === 64) return { type: 'up' };
  if (mouse.button === 65) return { type: 'down' };
  return undefined;
}

/**
 * Every action in what arrived at once: fast typing, key repeat, a paste or an SSH link can
 * deliver several letters in one read ("23", "bb", "qq"), and each must act, in order.
 */
export function actionsFor(key: KeyInfo): Action[] {
  const special =
    key.tab || key.upArrow || key.downArrow || key.leftArrow || key.rightArrow || key.return || key.escape;
  if (special || key.pageUp || key.pageDown || key.input.length <= 1) {
    const action = actionFor(key);
    return action === undefined ? [] : [action];
  }
  return [...key.input].flatMap((char) => {
    const action = actionFor({ input: char });
    return action === undefined ? [] : [action];
  });
}

export function actionFor(key: KeyInfo): Action | undefined {
  if (key.tab) return { type: key.shift ? 'prev-view' : 'next-view' };
  if (key.upArrow) return { type: 'up' };
  if (key.downArrow) return { type: 'down' };
  if (key.leftArrow) return { type: 'left' };
  if (key.rightArrow) return { type: 'right' };
  if (key.return) return { type: 'enter' };
  if (key.escape) return { type: 'back' };
  if (key.pageUp) return { type: 'page-up' };
  if (key.pageDown) return { type: 'page-down' };
  const tab = TAB_KEYS[key.input];
  return tab !== undefined ? { type: 'select-tab', tab } : BY_CHAR[key.input];
}
