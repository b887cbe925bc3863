/**
 * The terminal UI: dispatches keys through the key map to the reducer and paints the screens'
 * lines, cut to the terminal's size. A timer drives simulated time while playing.
 */
import { Box, Text, useApp, useInput, useStdout } from 'ink';
import { useEffect, useState } from 'react';
import type { Simulation } from '../core/bgp/simulate.js';
import { Query } from '../core/query/index.js';
import { resolvePodManifest } from '../core/topology/resolve.js';
import { actionsFor, type MouseEvent, mouseEventOf, wheelAction } from './keymap.js';
import type { TuiModel } from './model.js';
import {
  clusterScreen,
  eventsScreen,
  footer,
  header,
  helpScreen,
  type Line,
  machinesOf,
  pendingFooter,
  podList,
  podsScreen,
  routePrefixes,
  sessionRows,
  type Tone,
  traceDestinations,
  traceScreen,
  wrapLines,
} from './screens.js';
import { type Action, type Context, reduce, type TuiState } from './state.js';

const TICK_MS = 100;

/**
 * The moments n and b step between: BGP's changes, every pod's lifecycle events (pulled, started,
 * evicted, ...) and each node turning NotReady or Ready again.
 */
function birdOf(query: Query, machine: string): Context['bird'] {
  if (!query.isUp(machine)) return 'stopped';
  return query.birdRunning(machine) ? 'running' : 'restarting';
}

function eventTimes(timeline: Simulation, horizon: number): number[] {
  const { cluster } = timeline;
  const bgp = new Query(timeline).timeline().map((e) => e.at);
  const pods = cluster.pods().flatMap((pod) => cluster.statusAt(pod, horizon).events.map((e) => e.first));
  const nodes = cluster
    .nodes()
    .flatMap(({ node }) => cluster.nodeTransitions(node.name, horizon))
    .flatMap((t) => [t.notReady, ...(t.ready === undefined ? [] : [t.ready])]);
  return [...new Set([...bgp, ...pods, ...nodes])].sort((a, b) => a - b);
}

export function contextFor(model: TuiModel, state: TuiState): Context {
  const sim = model.at(state.journal, state.at);
  const timeline = model.timeline(state.journal);
  const machines = machinesOf(sim);
  const machine = machines[state.machine] ?? '';
  const index = sim.peering.byName.get(machine) ?? 0;
  const sessions = sessionRows(sim, index);
  const pods = podList(sim);
  const rows =
    state.view === 'pods'
      ? pods.length
      : state.tab === 'sessions'
        ? sessions.length
        : state.tab === 'routes'
          ? routePrefixes(sim, machine).length
          : 0;
  const selectedPeer = sessions[state.row]?.peer;
  const selectedPod = pods[state.row];
  return {
    machines,
    rows,
    ...(selectedPeer !== undefined ? { selectedPeer } : {}),
    ...(state.view === 'pods' && selectedPod !== undefined ? { selectedPod } : {}),
    pods: sim.cluster.pods().filter((p) => p.podIp !== undefined).length,
    destinations: traceDestinations(sim).length,
    eventTimes: eventTimes(timeline, model.horizon(state.journal)),
    bird: birdOf(new Query(sim), machine),
    converged: new Query(timeline).counters.lastRouteChange,
    horizon: model.horizon(state.journal),
    newPod: (name, node) => {
      const manifest = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, labels: { app: 'tui' } },
        spec: { nodeName: node, containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 80 }] }] },
      };
      const resolved = resolvePodManifest(manifest, 0, model.topology);
      if (!resolved.ok) throw new Error(`built-in pod manifest invalid: ${resolved.issues[0]?.message}`);
      return resolved.pod;
    },
  };
}

const COLORS: Readonly<Record<Tone, string | undefined>> = {
  title: 'cyan',
  ok: 'green',
  warn: 'yellow',
  bad: 'red',
  dim: 'gray',
  plain: undefined,
};

function Row({ line, width, color }: { line: Line; width: number; color: boolean }) {
  const prefix = line.selected ? '>' : line.gutter ? ' ' : '';
  const room = width - prefix.length;
  const text = line.text.length > room ? `${line.text.slice(0, Math.max(0, room - 1))}~` : line.text;
  const tone = line.tone ?? 'plain';
  return (
    <Text
      {...(color && COLORS[tone] ? { color: COLORS[tone] } : {})}
      inverse={line.selected === true && color}
      bold={tone === 'title'}
      wrap="truncate"
    >
      {prefix}
      {text}
    </Text>
  );
}

/** A left click runs the target under it (rows and columns count from 1); the wheel scrolls. */
export function mouseAction(mouse: MouseEvent, lines: readonly Line[]): Action | undefined {
  if (!mouse.press) return undefined;
  if (mouse.button !== 0) return wheelAction(mouse);
  const line = lines[mouse.row - 1];
  const column = mouse.column - 1 - (line?.selected || line?.gutter ? 1 : 0);
  return line?.targets?.find((target) => column >= target.from && column < target.to)?.action;
}

export interface AppProps {
  readonly model: TuiModel;
  readonly initial: TuiState;
  readonly color: boolean;
  readonly size?: { readonly columns: number; readonly rows: number };
}

export function screenLines(model: TuiModel, state: TuiState, height: number): Line[] {
  const sim = model.at(state.journal, state.at);
  if (state.help) return helpScreen();
  switch (state.view) {
    case 'cluster':
      return clusterScreen(sim, state);
    case 'pods':
      return podsScreen(sim, state);
    case 'events':
      return eventsScreen(model.timeline(state.journal), state, height);
    case 'trace':
      return traceScreen(sim, state);
  }
}

export function App({ model, initial, color, size }: AppProps) {
  const [state, setState] = useState(initial);
  const { exit } = useApp();
  const { stdout } = useStdout();
  const [dimensions, setDimensions] = useState({
    columns: size?.columns ?? stdout.columns ?? 80,
    rows: size?.rows ?? stdout.rows ?? 24,
  });
  const dispatch = (action: Action): void => setState((current) => reduce(current, action, contextFor(model, current)));

  const width = Math.max(40, dimensions.columns);
  // The run to the horizon (with every session's timeline) is made after the first screen is
  // drawn: on a large cluster it is most of the wait. A key that needs it makes it at once.
  const [, timelineMade] = useState(0);
  const timeline = model.readyTimeline(state.journal);
  useEffect(() => {
    if (model.readyTimeline(state.journal) !== undefined) return undefined;
    const timer = setTimeout(() => {
      model.timeline(state.journal);
      timelineMade((made) => made + 1);
    }, 0);
    return () => clearTimeout(timer);
  }, [model, state.journal]);
  const top = header(model.at(state.journal, state.at), state);
  const bottom = timeline === undefined ? pendingFooter(state) : footer(timeline, state);
  const bodyHeight = Math.max(3, dimensions.rows - top.length - bottom.length - 1);
  const body = wrapLines(screenLines(model, state, bodyHeight), width).slice(0, bodyHeight);

  useInput((input, key) => {
    const mouse = mouseEventOf(input);
    if (mouse === undefined) {
      for (const action of actionsFor({ ...key, input })) dispatch(action);
      return;
    }
    const action = mouseAction(mouse, [...top, ...body]);
    if (action !== undefined) dispatch(action);
  });
  useEffect(() => {
    if (state.quit) exit();
  }, [state.quit, exit]);
  useEffect(() => {
    if (!state.playing) return undefined;
    const timer = setInterval(() => dispatch({ type: 'tick', seconds: TICK_MS / 1000 }), TICK_MS);
    return () => clearInterval(timer);
  }, [state.playing]);
  useEffect(() => {
    if (size !== undefined) return undefined;
    const onResize = (): void => setDimensions({ columns: stdout.columns ?? 80, rows: stdout.rows ?? 24 });
    stdout.on('resize', onResize);
    return () => void stdout.off('resize', onResize);
  }, [stdout, size]);

  return (
    <Box flexDirection="column" width={width}>
      {top.map((line, i) => (
        <Row key={`h${i}`} line={line} width={width} color={color} />
      ))}
      {body.map((line, i) => (
        <Row key={`b${i}`} line={line} width={width} color={color} />
      ))}
      {Array.from({ length: bodyHeight - body.length }, (_, i) => (
        <Text key={`pad${i}`}> </Text>
      ))}
      {bottom.map((line, i) => (
        <Row key={`f${i}`} line={line} width={width} color={color} />
      ))}
    </Box>
  );
}
