/** The TUI's reducer and key map, without a terminal. */
import { describe, expect, it } from 'vitest';
import type { PodSpec } from '../../src/core/topology/model.js';
import { mouseAction } from '../../src/tui/app.js';
import { actionFor, mouseEventOf } from '../../src/tui/keymap.js';
import { type Context, initialState, reduce, type TuiState } from '../../src/tui/state.js';

const ctx: Context = {
  machines: ['k8s-master', 'node-1', 'node-2'],
  rows: 2,
  selectedPeer: 'node-2',
  pods: 2,
  destinations: 4,
  eventTimes: [0, 2.001, 2.034, 242.03],
  bird: 'running',
  converged: 242.03,
  horizon: 900,
  newPod: (name, node) => ({ name, nodeName: node }) as unknown as PodSpec,
};

const run = (state: TuiState, ...types: Parameters<typeof reduce>[1][]): TuiState =>
  types.reduce((s, a) => reduce(s, a, ctx), state);

describe('TUI reducer', () => {
  it('stops the speed at x600 and x1 instead of wrapping', () => {
    const fastest = run(initialState(), { type: 'faster' }, { type: 'faster' }, { type: 'faster' }, { type: 'faster' });
    expect(fastest.speed).toBe(600);
    const slowest = run(initialState(), { type: 'slower' }, { type: 'slower' }, { type: 'slower' });
    expect(slowest.speed).toBe(1);
  });

  it('play that reaches the end of the timeline stops and says so', () => {
    const playing = run(initialState(880), { type: 'play-pause' });
    expect(playing.playing).toBe(true);
    const ended = run(playing, { type: 'tick', seconds: 10 });
    expect(ended).toMatchObject({ at: 900, playing: false, message: 'stopped: the end of the timeline' });
  });

  it('cycles views with tab and jumps with 1-4', () => {
    expect(run(initialState(), { type: 'next-view' }).view).toBe('pods');
    expect(run(initialState(), { type: 'prev-view' }).view).toBe('trace');
    expect(run(initialState(), { type: 'select-view', view: 'events' }).view).toBe('events');
  });

  it('moves between machines and clamps row selection to the list', () => {
    const state = run(initialState(), { type: 'right' }, { type: 'down' }, { type: 'down' }, { type: 'down' });
    expect(state.machine).toBe(1);
    expect(state.row).toBe(1);
    expect(run(initialState(), { type: 'left' }).machine).toBe(2);
  });

  it('steps between events, back, and jumps to convergence', () => {
    const start = initialState(3);
    expect(run(start, { type: 'step-forward' }).at).toBe(242.03);
    expect(run(start, { type: 'step-back' }).at).toBe(2.034);
    expect(
      run(start, { type: 'step-back' }, { type: 'step-back' }, { type: 'step-back' }, { type: 'step-back' }).at,
    ).toBe(0);
    expect(run(start, { type: 'jump-converged' })).toMatchObject({
      at: 242.03,
      message: 'converged: routes last changed at 242.030s',
    });
  });

  it('plays at the chosen speed only while playing', () => {
    const paused = run(initialState(3), { type: 'tick', seconds: 0.1 });
    expect(paused.at).toBe(3);
    const playing = run(initialState(3), { type: 'faster' }, { type: 'play-pause' }, { type: 'tick', seconds: 1 });
    expect(playing.speed).toBe(60);
    expect(playing.at).toBe(63);
  });

  it('records failures, repairs and pods in the journal at the current time', () => {
    const state = run(initialState(5), { type: 'right' }, { type: 'right' }, { type: 'fail-node' });
    expect(state.journal).toEqual([{ kind: 'machine', at: 5, name: 'node-2', up: false }]);
    expect(state.message).toBe('node-2 stopped at 5.0s');
    const link = run(initialState(5), { type: 'fail-link' });
    expect(link.journal).toEqual([{ kind: 'link', at: 5, a: 'k8s-master', b: 'node-2', up: false }]);
    const session = run(initialState(5), { type: 'disable-session' });
    expect(session.journal).toEqual([{ kind: 'session', at: 5, a: 'k8s-master', b: 'node-2', up: false }]);
    expect(session.message).toBe('k8s-master: birdc disable (the session with node-2) at 5.0s');
    const restart = run(initialState(5), { type: 'right' }, { type: 'restart-node' });
    expect(restart.journal).toEqual([{ kind: 'restart', at: 5, name: 'node-1', downFor: 10 }]);
    expect(restart.message).toBe('node-1: BIRD restarted gracefully, down for 10s at 5.0s');
    // Down for a restart already, or stopped: nothing is recorded, and the status says why.
    const again = reduce(restart, { type: 'restart-node' }, { ...ctx, bird: 'restarting' });
    expect(again.journal).toEqual(restart.journal);
    expect(again.message).toBe('node-1: BIRD is already down for a graceful restart: nothing to restart');
    const stopped = reduce(initialState(5), { type: 'restart-node' }, { ...ctx, bird: 'stopped' });
    expect(stopped).toMatchObject({
      journal: [],
      message: 'k8s-master is stopped: restore it first, there is no BIRD to restart',
    });
    const pod = run(initialState(5), { type: 'right' }, { type: 'create-pod' });
    expect(pod.journal[0]).toMatchObject({ kind: 'create', at: 5, pod: { name: 'tui-pod-1', nodeName: 'node-1' } });
  });

  it('refuses to delete a pod outside the Pods view', () => {
    expect(run(initialState(), { type: 'delete-pod' })).toMatchObject({
      journal: [],
      message: 'select a pod (Pods view) to delete it',
    });
  });

  it('opens and closes details and help; q quits', () => {
    const routes = run(initialState(), { type: 'select-tab', tab: 'routes' }, { type: 'enter' });
    expect(routes.detail).toBe(true);
    expect(run(routes, { type: 'back' }).detail).toBe(false);
    expect(run(initialState(), { type: 'toggle-help' }).help).toBe(true);
    expect(run(initialState(), { type: 'quit' }).quit).toBe(true);
  });
});

describe('TUI mouse', () => {
  it('reads SGR mouse reports, with or without the ESC Ink strips', () => {
    expect(mouseEventOf('[<0;12;3M')).toEqual({ button: 0, column: 12, row: 3, press: true });
    expect(mouseEventOf('\u001B[<65;1;1m')).toEqual({ button: 65, column: 1, row: 1, press: false });
    expect(mouseEventOf('q')).toBeUndefined();
  });

  it('runs the target under a left click, ignores releases, scrolls with the wheel', () => {
    const lines = [{ text: 'ab', targets: [{ from: 0, to: 1, action: { type: 'quit' } as const }] }];
    expect(mouseAction({ button: 0, column: 1, row: 1, press: true }, lines)).toEqual({ type: 'quit' });
    expect(mouseAction({ button: 0, column: 2, row: 1, press: true }, lines)).toBeUndefined();
    expect(mouseAction({ button: 0, column: 1, row: 1, press: false }, lines)).toBeUndefined();
    expect(mouseAction({ button: 65, column: 1, row: 1, press: true }, lines)).toEqual({ type: 'down' });
  });
});

describe('TUI key map', () => {
  it('maps keys to actions', () => {
    expect(actionFor({ input: '', tab: true })).toEqual({ type: 'next-view' });
    expect(actionFor({ input: '', tab: true, shift: true })).toEqual({ type: 'prev-view' });
    expect(actionFor({ input: '', rightArrow: true })).toEqual({ type: 'right' });
    expect(actionFor({ input: '', escape: true })).toEqual({ type: 'back' });
    expect(actionFor({ input: ' ' })).toEqual({ type: 'play-pause' });
    expect(actionFor({ input: 'r' })).toEqual({ type: 'select-tab', tab: 'routes' });
    expect(actionFor({ input: 'f' })).toEqual({ type: 'fail-node' });
    expect(actionFor({ input: 'q' })).toEqual({ type: 'quit' });
    expect(actionFor({ input: 'z' })).toBeUndefined();
  });
});
