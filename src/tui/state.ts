/**
 * The terminal UI's state and its pure reducer. The UI dispatches named actions (from keys, or
 * the play timer's ticks); the reducer needs a little context about the world (how many machines,
 * pods and routes there are, when events happen) and returns the next state. Changes the user
 * makes to the network are appended to a journal at the current simulated time.
 */
import type { WorldOp } from '../core/bgp/simulate.js';
import { DEFAULT_RESTART_DOWNTIME, type PodSpec } from '../core/topology/model.js';

export const VIEWS = ['cluster', 'pods', 'events', 'trace'] as const;
export type View = (typeof VIEWS)[number];
export const NODE_TABS = ['sessions', 'routes', 'fib', 'pods'] as const;
export type NodeTab = (typeof NODE_TABS)[number];
export const SPEEDS = [1, 10, 60, 600] as const;

/** The Trace view's fields, left to right: the source pod, the destination pod, the port. */
export const TRACE_FIELDS = ['src', 'dst', 'port'] as const;
export type TraceField = (typeof TRACE_FIELDS)[number];

export interface TuiState {
  readonly view: View;
  readonly machine: number;
  readonly tab: NodeTab;
  /** Selected row in the current list (sessions, routes, pods). */
  readonly row: number;
  /** An open detail: a route's explanation or a pod's describe. */
  readonly detail: boolean;
  readonly scroll: number;
  readonly traceSrc: number;
  /**
   * Index into the trace destinations: the pods with addresses, then the Services. Until the user
   * picks one, the second pod (or the only one).
   */
  readonly traceDst: number;
  readonly traceDstChosen: boolean;
  readonly traceField: TraceField;
  /** Steps through the destination's ports (its own first, then common ones); any whole number. */
  readonly tracePort: number;
  readonly at: number;
  readonly playing: boolean;
  readonly speed: (typeof SPEEDS)[number];
  readonly help: boolean;
  readonly journal: readonly WorldOp[];
  readonly message: string;
  readonly quit: boolean;
  readonly created: number;
}

export type Action =
  | {
      readonly type:
        | 'next-view'
        | 'prev-view'
        | 'up'
        | 'down'
        | 'left'
        | 'right'
        | 'enter'
        | 'back'
        | 'page-up'
        | 'page-down';
    }
  | {
      readonly type:
        | 'toggle-help'
        | 'quit'
        | 'play-pause'
        | 'step-forward'
        | 'step-back'
        | 'jump-converged'
        | 'faster'
        | 'slower';
    }
  | {
      readonly type:
        | 'fail-node'
        | 'restore-node'
        | 'restart-node'
        | 'fail-link'
        | 'restore-link'
        | 'disable-session'
        | 'enable-session'
        | 'create-pod'
        | 'delete-pod';
    }
  | { readonly type: 'select-view'; readonly view: View }
  | { readonly type: 'select-tab'; readonly tab: NodeTab }
  | { readonly type: 'select-machine'; readonly index: number }
  | { readonly type: 'select-row'; readonly row: number }
  | { readonly type: 'tick'; readonly seconds: number };

/** What the reducer needs to know about the world at the current moment. */
export interface Context {
  readonly machines: readonly string[];
  /** Rows in the current list: sessions of the machine, its routes, or pods. */
  readonly rows: number;
  /** The peer machine of the selected session row, for link failures. */
  readonly selectedPeer?: string;
  /** namespace/name of the selected pod. */
  readonly selectedPod?: { readonly namespace: string; readonly name: string };
  readonly pods: number;
  /** What a trace may go to: the pods with addresses, then the Services with a ClusterIP. */
  readonly destinations: number;
  readonly eventTimes: readonly number[];
  /** The selected machine's BIRD now: running, down for a graceful restart, or the machine stopped. */
  readonly bird: 'running' | 'restarting' | 'stopped';
  readonly converged: number;
  readonly horizon: number;
  readonly newPod: (name: string, node: string) => PodSpec;
}

export function initialState(at = 0): TuiState {
  return {
    view: 'cluster',
    machine: 0,
    tab: 'sessions',
    row: 0,
    detail: false,
    scroll: 0,
    traceSrc: 0,
    traceDst: 1,
    traceDstChosen: false,
    traceField: 'src',
    tracePort: 0,
    at,
    playing: false,
    speed: 10,
    help: false,
    journal: [],
    message: 'Press ? for keys',
    quit: false,
    created: 0,
  };
}

const clamp = (value: number, count: number): number => Math.max(0, Math.min(value, Math.max(0, count - 1)));

/** The destination a trace goes to: the one picked, or by default the second pod (the only one if alone). */
export function traceDestination(state: TuiState, pods: number): number {
  return state.traceDstChosen ? state.traceDst : Math.min(state.traceDst, Math.max(0, pods - 1));
}
const cycle = <T>(list: readonly T[], current: T, step: number): T =>
  list[(list.indexOf(current) + step + list.length) % list.length] as T;

function record(state: TuiState, op: WorldOp, message: string): TuiState {
  return { ...state, journal: [...state.journal, op], message: `${message} at ${state.at.toFixed(1)}s` };
}

function moveTime(state: TuiState, ctx: Context, to: number, message?: string): TuiState {
  const at = Math.max(0, Math.min(to, ctx.horizon));
  const playing = state.playing && at < ctx.horizon;
  // Play that runs into the end stops, and the status says so rather than "playing".
  const said = message ?? (state.playing && !playing ? 'stopped: the end of the timeline' : undefined);
  return { ...state, at, playing, ...(said !== undefined ? { message: said } : {}) };
}

/** The next state: each action belongs to exactly one group, and the compiler checks that every action has one. */
export function reduce(state: TuiState, action: Action, ctx: Context): TuiState {
  return GROUP_OF[action.type](state, action, ctx) ?? state;
}

/** Views, machines, rows, tabs, scrolling and help. */
function navigate(state: TuiState, action: Action, ctx: Context): TuiState | undefined {
  switch (action.type) {
    case 'quit':
      return { ...state, quit: true };
    case 'toggle-help':
      return { ...state, help: !state.help };
    case 'next-view':
    case 'prev-view':
      return {
        ...state,
        view: cycle(VIEWS, state.view, action.type === 'next-view' ? 1 : -1),
        row: 0,
        detail: false,
        scroll: 0,
        help: false,
      };
    case 'select-view':
      return { ...state, view: action.view, row: 0, detail: false, scroll: 0, help: false };
    case 'select-machine':
      return {
        ...state,
        view: 'cluster',
        machine: clamp(action.index, ctx.machines.length),
        row: 0,
        detail: false,
        scroll: 0,
      };
    case 'select-row':
      return { ...state, row: clamp(action.row, ctx.rows) };
    case 'select-tab':
      return state.view === 'cluster' ? { ...state, tab: action.tab, row: 0, detail: false, scroll: 0 } : state;
    case 'back':
      return state.help ? { ...state, help: false } : { ...state, detail: false, scroll: 0 };
    case 'enter':
      return state.view === 'cluster' && state.tab !== 'routes'
        ? state
        : { ...state, detail: !state.detail, scroll: 0 };
    case 'up':
    case 'down': {
      const step = action.type === 'up' ? -1 : 1;
      if (state.detail) return { ...state, scroll: Math.max(0, state.scroll + step) };
      if (state.view === 'trace') {
        if (state.traceField === 'port') return { ...state, tracePort: state.tracePort + step };
        if (state.traceField === 'src') return { ...state, traceSrc: clamp(state.traceSrc + step, ctx.pods) };
        const current = traceDestination(state, ctx.pods);
        return { ...state, traceDst: clamp(current + step, ctx.destinations), traceDstChosen: true, tracePort: 0 };
      }
      if (state.view === 'events') return { ...state, scroll: Math.max(0, state.scroll - step) };
      return { ...state, row: clamp(state.row + step, ctx.rows) };
    }
    case 'page-up':
    case 'page-down':
      return { ...state, scroll: Math.max(0, state.scroll + (action.type === 'page-up' ? -10 : 10)) };
    case 'left':
    case 'right': {
      const step = action.type === 'left' ? -1 : 1;
      if (state.view === 'trace') return { ...state, traceField: cycle(TRACE_FIELDS, state.traceField, step) };
      if (state.view !== 'cluster') return state;
      return {
        ...state,
        machine: (state.machine + step + ctx.machines.length) % Math.max(1, ctx.machines.length),
        row: 0,
        detail: false,
        scroll: 0,
      };
    }
    default:
      return undefined;
  }
}

/** Simulated time: play, pause, step between events, speed. */
function moveInTime(state: TuiState, action: Action, ctx: Context): TuiState | undefined {
  switch (action.type) {
    case 'play-pause':
      return { ...state, playing: !state.playing, message: state.playing ? 'paused' : `playing at x${state.speed}` };
    case 'tick':
      return state.playing ? moveTime(state, ctx, state.at + action.seconds * state.speed) : state;
    case 'step-forward': {
      const next = ctx.eventTimes.find((t) => t > state.at + 1e-9);
      return moveTime(
        { ...state, playing: false },
        ctx,
        next ?? ctx.horizon,
        next === undefined ? 'no later event' : `stepped to ${next.toFixed(3)}s`,
      );
    }
    case 'step-back': {
      const previous = [...ctx.eventTimes].reverse().find((t) => t < state.at - 1e-9);
      return moveTime(
        { ...state, playing: false },
        ctx,
        previous ?? 0,
        previous === undefined ? 'at the start' : `stepped back to ${previous.toFixed(3)}s`,
      );
    }
    case 'jump-converged': {
      const target = Math.max(state.at, ctx.converged);
      return moveTime(
        { ...state, playing: false },
        ctx,
        target,
        `converged: routes last changed at ${ctx.converged.toFixed(3)}s`,
      );
    }
    case 'faster':
    case 'slower': {
      // The speed stops at its fastest and slowest instead of wrapping around.
      const i = SPEEDS.indexOf(state.speed) + (action.type === 'faster' ? 1 : -1);
      const speed = SPEEDS[Math.max(0, Math.min(SPEEDS.length - 1, i))] ?? state.speed;
      return { ...state, speed, message: `speed x${speed}` };
    }
    default:
      return undefined;
  }
}

/** The peer of the session selected in the Sessions tab, if that is where the user is. */
function selectedPeer(state: TuiState, ctx: Context): string | undefined {
  return state.view === 'cluster' && state.tab === 'sessions' ? ctx.selectedPeer : undefined;
}

/** Changes made in the UI for the session: failures, restores, pods. */
function change(state: TuiState, action: Action, ctx: Context): TuiState | undefined {
  const machine = ctx.machines[state.machine] ?? '';
  switch (action.type) {
    case 'fail-node':
    case 'restore-node': {
      const up = action.type === 'restore-node';
      return record(
        state,
        { kind: 'machine', at: state.at, name: machine, up },
        `${machine} ${up ? 'restored' : 'stopped'}`,
      );
    }
    case 'restart-node':
      // BIRD ignores a restart while it is down for one; a stopped machine has no BIRD to restart.
      if (ctx.bird !== 'running')
        return {
          ...state,
          message:
            ctx.bird === 'stopped'
              ? `${machine} is stopped: restore it first, there is no BIRD to restart`
              : `${machine}: BIRD is already down for a graceful restart: nothing to restart`,
        };
      return record(
        state,
        { kind: 'restart', at: state.at, name: machine, downFor: DEFAULT_RESTART_DOWNTIME },
        `${machine}: BIRD restarted gracefully, down for ${DEFAULT_RESTART_DOWNTIME}s`,
      );
    case 'fail-link':
    case 'restore-link': {
      const peer = selectedPeer(state, ctx);
      if (peer === undefined)
        return { ...state, message: 'select a session (Sessions tab) to fail or restore its link' };
      const up = action.type === 'restore-link';
      return record(
        state,
        { kind: 'link', at: state.at, a: machine, b: peer, up },
        `link ${machine} <-> ${peer} ${up ? 'restored' : 'failed'}`,
      );
    }
    case 'disable-session':
    case 'enable-session': {
      const peer = selectedPeer(state, ctx);
      if (peer === undefined) return { ...state, message: 'select a session (Sessions tab) to disable or enable it' };
      const up = action.type === 'enable-session';
      return record(
        state,
        { kind: 'session', at: state.at, a: machine, b: peer, up },
        `${machine}: birdc ${up ? 'enable' : 'disable'} (the session with ${peer})`,
      );
    }
    case 'create-pod': {
      const name = `tui-pod-${state.created + 1}`;
      const next = record(
        state,
        { kind: 'create', at: state.at, pod: ctx.newPod(name, machine) },
        `pod ${name} created on ${machine}`,
      );
      return { ...next, created: state.created + 1 };
    }
    case 'delete-pod': {
      if (state.view !== 'pods' || ctx.selectedPod === undefined)
        return { ...state, message: 'select a pod (Pods view) to delete it' };
      const pod = ctx.selectedPod;
      return record(
        state,
        { kind: 'delete', at: state.at, namespace: pod.namespace, name: pod.name },
        `pod ${pod.name} deleted`,
      );
    }

    default:
      return undefined;
  }
}

type Reducer = (state: TuiState, action: Action, ctx: Context) => TuiState | undefined;

const GROUP_OF: Readonly<Record<Action['type'], Reducer>> = {
  quit: navigate,
  'toggle-help': navigate,
  'next-view': navigate,
  'prev-view': navigate,
  'select-view': navigate,
  'select-machine': navigate,
  'select-row': navigate,
  'select-tab': navigate,
  back: navigate,
  enter: navigate,
  up: navigate,
  down: navigate,
  'page-up': navigate,
  'page-down': navigate,
  left: navigate,
  right: navigate,
  'play-pause': moveInTime,
  tick: moveInTime,
  'step-forward': moveInTime,
  'step-back': moveInTime,
  'jump-converged': moveInTime,
  faster: moveInTime,
  slower: moveInTime,
  'fail-node': change,
  'restore-node': change,
  'restart-node': change,
  'fail-link': change,
  'restore-link': change,
  'disable-session': change,
  'enable-session': change,
  'create-pod': change,
  'delete-pod': change,
};
