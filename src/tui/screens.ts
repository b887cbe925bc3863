/**
 * The screens of the terminal UI as lines of text, computed from the simulation at the current
 * moment. Pure: the Ink components only paint these lines, and tests read them directly.
 */

import { peerName } from '../core/bgp/peering.js';
import type { Simulation } from '../core/bgp/simulate.js';
import type { PodRecord } from '../core/cluster/index.js';
import { buildFib } from '../core/fib/index.js';
import { formatCidr, formatIpv4 } from '../core/net/index.js';
import { Query } from '../core/query/index.js';
import { defaultPort } from '../core/topology/model.js';
import { Tracer } from '../core/trace/index.js';
import { explainRoute, ipRoute, sessionInfo, showRoute } from '../io/format/bgp.js';
import { describePod } from '../io/format/kubectl.js';
import { clusterIpText, serviceEndpoints } from '../io/format/services.js';
import { formatTraces } from '../io/format/trace.js';
import { INSTANT_EPOCH_MS } from '../io/workspace.js';
import { KEYS } from './keymap.js';
import { type Action, NODE_TABS, type TraceField, type TuiState, traceDestination, VIEWS } from './state.js';

export type Tone = 'title' | 'ok' | 'warn' | 'bad' | 'dim' | 'plain';

/** A span of columns that does something when clicked. */
export interface Target {
  readonly from: number;
  readonly to: number;
  readonly action: Action;
}

export interface Line {
  readonly text: string;
  readonly tone?: Tone;
  readonly selected?: boolean;
  /**
   * A row of a list one can select from (and its header): it keeps a column for the `>` marker,
   * so the selected row's columns line up with the others.
   */
  readonly gutter?: boolean;
  /** What a click does: on a span of columns, or anywhere on the line. */
  readonly targets?: readonly Target[];
}

/** Joins labelled pieces into one line, remembering where each piece stands for clicks. */
function spans(
  prefix: string,
  pieces: readonly { text: string; action: Action }[],
  separator: string,
  suffix = '',
): { text: string; targets: Target[] } {
  let text = prefix;
  const targets: Target[] = [];
  pieces.forEach((piece, i) => {
    if (i > 0) text += separator;
    targets.push({ from: text.length, to: text.length + piece.text.length, action: piece.action });
    text += piece.text;
  });
  return { text: text + suffix, targets };
}

/**
 * Long lines wrapped to the width instead of cut: a trace's reason or a route's best marker must
 * not be lost at 80 columns. Continuation lines are indented and keep a row's click target; lines
 * whose targets sit on particular columns (the machine chips, the tabs) are left to the view.
 */
export function wrapLines(lines: readonly Line[], width: number): Line[] {
  return lines.flatMap((line) => {
    const room = width - (line.selected || line.gutter ? 1 : 0);
    const columnTargets = line.targets?.some((t) => t.from !== 0 || t.to !== Infinity) ?? false;
    if (line.text.length <= room || columnTargets) return [line];
    const parts = wrapText(line.text, room, CONTINUATION);
    return parts.map((text, i) => (i === 0 ? { ...line, text } : { ...line, text, selected: false }));
  });
}

const CONTINUATION = '    ';

function wrapText(text: string, width: number, indent: string): string[] {
  const parts: string[] = [];
  let rest = text;
  let first = true;
  while (rest.length > 0) {
    const lead = first ? '' : indent;
    const room = Math.max(10, width - lead.length);
    if (rest.length <= room) {
      parts.push(lead + rest);
      break;
    }
    const space = rest.lastIndexOf(' ', room);
    const cut = space > room / 2 ? space : room;
    parts.push(lead + rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^ /, '');
    first = false;
  }
  return parts;
}

function rowTarget(row: number): readonly Target[] {
  return [{ from: 0, to: Infinity, action: { type: 'select-row', row } }];
}

const plain = (text: string): Line => ({ text });

export function machinesOf(sim: Simulation): string[] {
  return sim.peering.speakers.map((s) => s.name);
}

export function header(sim: Simulation, state: TuiState): Line[] {
  const views = VIEWS.map((v, i) => ({
    text: v === state.view ? `[${i + 1} ${title(v)}]` : ` ${i + 1} ${title(v)} `,
    action: { type: 'select-view', view: v } as Action,
  }));
  const clock = `t=${state.at.toFixed(3)}s ${state.playing ? `> x${state.speed}` : `|| x${state.speed}`}`;
  const line = spans(`${sim.topology.name} ${clock} `, views, '');
  const help = { from: line.text.length + 1, to: line.text.length + 7, action: { type: 'toggle-help' } as Action };
  return [{ text: `${line.text} ? help`, tone: 'title', targets: [...line.targets, help] }];
}

function title(view: string): string {
  return view[0]?.toUpperCase() + view.slice(1);
}

/** The Cluster view: every machine with its state, then the selected one's tab. */
export function clusterScreen(sim: Simulation, state: TuiState): Line[] {
  const lines: Line[] = [];
  const names = machinesOf(sim);
  const query = new Query(sim);
  const chips = sim.peering.speakers.map((s, i) => {
    const mark = s.clusterId !== undefined ? ' RR' : s.kind === 'router' ? ' rtr' : '';
    const condition = query.isUp(s.name) ? (query.birdRunning(s.name) ? '' : ' RESTARTING') : ' DOWN';
    const text = `${s.name}${mark}${condition}`;
    return {
      text: i === state.machine ? `<${text}>` : ` ${text} `,
      action: { type: 'select-machine', index: i } as Action,
    };
  });
  lines.push({ ...spans('Machines: ', chips, ' '), tone: 'plain' });
  const index = state.machine;
  const speaker = sim.peering.speakers[index];
  if (speaker === undefined) return lines;
  const blocks = sim.cluster.ipam.blocksOf(speaker.name).map((b) => formatCidr(b.cidr));
  const established = query.established(speaker.name).length;
  const up = query.isUp(speaker.name);
  // What kubectl get nodes says at this moment: NotReady only after the node controller's grace.
  const kubelet =
    speaker.kind === 'node' ? `, ${sim.cluster.nodeReadyAt(speaker.name, state.at).ready ? 'Ready' : 'NotReady'}` : '';
  lines.push({
    text: `${speaker.name}: ${speaker.kind}${kubelet}, AS ${speaker.asNumber}, ${speaker.addresses.map(formatIpv4).join(' ')}${speaker.clusterId !== undefined ? `, reflector ${formatIpv4(speaker.clusterId)}` : ''}${blocks.length > 0 ? `, blocks ${blocks.join(' ')}` : ''}, ${established}/${query.peers(speaker.name).length} sessions up${up ? '' : ', STOPPED'}`,
    tone: up ? 'plain' : 'bad',
  });
  const tabs = NODE_TABS.map((tab) => ({
    text: tab === state.tab ? `[${tabTitle(tab)}]` : ` ${tabTitle(tab)} `,
    action: { type: 'select-tab', tab } as Action,
  }));
  lines.push({ ...spans('', tabs, ' '), tone: 'title' });
  if (!up) return [...lines, { text: 'Calico process is not running.', tone: 'bad' }];
  switch (state.tab) {
    case 'sessions':
      return [...lines, ...sessionLines(sim, index, state.row)];
    case 'routes':
      return [...lines, ...routeLines(sim, names[index] as string, state)];
    case 'fib': {
      const fib = buildFib(sim, speaker.name);
      return [...lines, ...(fib ? ipRoute(fib).trimEnd().split('\n').map(plain) : [])];
    }
    case 'pods':
      return [...lines, ...podLines(sim, state, speaker.name)];
  }
}

function tabTitle(tab: string): string {
  return { sessions: 's Sessions', routes: 'r Routes', fib: 'i IP routes', pods: 'p Pods' }[tab] ?? tab;
}

export function sessionRows(sim: Simulation, index: number): { peer: string | undefined; line: Line }[] {
  const machine = sim.peering.speakers[index]?.name;
  if (machine === undefined) return [];
  return new Query(sim).peers(machine).map(({ neighbor: n, status }) => {
    const peer = peerName(sim.peering, n);
    const info = sessionInfo(sim, n);
    const tone: Tone = status.state === 'Established' ? 'ok' : info === 'Passive' ? 'warn' : 'bad';
    return {
      peer,
      line: {
        text: `${formatIpv4(n.remoteAddress).padEnd(15)} ${(peer ?? '?').padEnd(12)} ${n.type.padEnd(17)} ${n.rrClient ? 'rr-client ' : '          '}${info}`,
        tone,
      },
    };
  });
}

function sessionLines(sim: Simulation, index: number, row: number): Line[] {
  const rows = sessionRows(sim, index);
  if (rows.length === 0) return [{ text: 'No BGP peers.', tone: 'dim' }];
  return [
    {
      text: `${'PEER ADDRESS'.padEnd(15)} ${'PEER'.padEnd(12)} ${'TYPE'.padEnd(17)} ${'ROLE'.padEnd(10)}INFO`,
      tone: 'dim',
      gutter: true,
    },
    ...rows.map((r, i) => ({ ...r.line, selected: i === row, gutter: true, targets: rowTarget(i) })),
  ];
}

/** The BIRD table's routes, one per network, for selection and explanation. */
export function routePrefixes(sim: Simulation, machine: string): string[] {
  return new Query(sim)
    .bestRoutes(machine)
    .map((route) => route.cidr)
    .sort((a, b) => a.base - b.base || a.len - b.len)
    .map(formatCidr);
}

function routeLines(sim: Simulation, machine: string, state: TuiState): Line[] {
  const prefixes = routePrefixes(sim, machine);
  const selected = prefixes[state.row];
  if (state.detail && selected !== undefined) {
    const cidr = new Query(sim).bestRoutes(machine).find((route) => route.prefix === selected)?.cidr;
    return cidr === undefined
      ? []
      : [
          { text: `Why (esc to close):`, tone: 'title' },
          ...explainRoute(sim, machine, cidr).trimEnd().split('\n').slice(state.scroll).map(plain),
        ];
  }
  const table = showRoute(sim, machine, INSTANT_EPOCH_MS, { all: false }).trimEnd().split('\n').slice(1);
  let network = -1;
  return table.map((text) => {
    if (!text.startsWith(' ')) network++;
    return {
      text,
      selected: network === state.row && !text.startsWith(' '),
      gutter: true,
      tone: text.includes(' * ') ? 'ok' : 'dim',
      targets: rowTarget(network),
    };
  });
}

export function podList(sim: Simulation): { namespace: string; name: string }[] {
  return sim.cluster.pods().map((p) => ({ namespace: p.spec.namespace, name: p.spec.name }));
}

function podLines(sim: Simulation, state: TuiState, node?: string): Line[] {
  const records = sim.cluster.pods().filter((p) => node === undefined || p.nodeName === node);
  if (records.length === 0) return [{ text: 'No pods.', tone: 'dim' }];
  const rows = records.map((p, i) => {
    const status = sim.cluster.statusAt(p, state.at);
    // A pod on a stopped machine is marked as such wherever it is listed, like the machine itself.
    const down = p.nodeName !== undefined && !sim.underlay.isUp(p.nodeName);
    const tone: Tone = down ? 'bad' : status.display === 'Running' ? 'ok' : status.phase === 'Pending' ? 'warn' : 'bad';
    const ip = p.podIp !== undefined ? formatIpv4(p.podIp) : '<none>';
    // The Pods view lists every namespace, so it shows each pod's, as kubectl get pods -A does.
    const namespace = node === undefined ? `${p.spec.namespace.padEnd(11)} ` : '';
    return {
      text: `${namespace}${p.spec.name.padEnd(20)} ${`${status.readyContainers}/${p.spec.containers.length}`.padEnd(5)} ${`${status.display}${down ? ' (down)' : ''}`.padEnd(17)} ${ip.padEnd(15)} ${p.nodeName ?? '<none>'}`,
      tone,
      selected: node === undefined && i === state.row,
      gutter: node === undefined,
      ...(node === undefined ? { targets: rowTarget(i) } : {}),
    };
  });
  return [
    {
      text: `${node === undefined ? `${'NAMESPACE'.padEnd(11)} ` : ''}${'NAME'.padEnd(20)} ${'READY'.padEnd(5)} ${'STATUS'.padEnd(17)} ${'IP'.padEnd(15)} NODE`,
      tone: 'dim',
      gutter: node === undefined,
    },
    ...rows,
  ];
}

export function podsScreen(sim: Simulation, state: TuiState): Line[] {
  const record = sim.cluster.pods()[state.row];
  if (state.detail && record !== undefined) {
    const text = describePod(sim.cluster, record, { now: state.at, epochMs: INSTANT_EPOCH_MS });
    return [
      { text: 'kubectl describe (esc to close)', tone: 'title' },
      ...text.trimEnd().split('\n').slice(state.scroll).map(plain),
    ];
  }
  return [...podLines(sim, state), ...serviceLines(sim, state), ...policyLines(sim)];
}

/** The Services below the pods, as get svc and get endpoints would show them at this moment. */
function serviceLines(sim: Simulation, state: TuiState): Line[] {
  const records = sim.cluster.services.list();
  return [
    { text: '', tone: 'plain' },
    { text: `${'SERVICE'.padEnd(32)} ${'TYPE'.padEnd(9)} ${'CLUSTER-IP'.padEnd(15)} READY ENDPOINTS`, tone: 'dim' },
    ...records.map((record): Line => {
      const ready = serviceEndpoints(sim.cluster, record, state.at).filter((e) => e.ready).length;
      const name = `${record.spec.namespace}/${record.spec.name}`;
      return {
        text: `${name.padEnd(32)} ${record.spec.type.padEnd(9)} ${clusterIpText(record).padEnd(15)} ${ready}`,
        tone: ready > 0 || record.spec.selector === undefined ? 'plain' : 'warn',
      };
    }),
  ];
}

/** calicoctl's and kubectl's short names of the policy kinds, to keep a policy on one line. */
const POLICY_SHORT = { NetworkPolicy: 'knp', CalicoNetworkPolicy: 'np', GlobalNetworkPolicy: 'gnp' } as const;

/** The network policies below the Services, in the order Felix runs them for a pod they select. */
function policyLines(sim: Simulation): Line[] {
  const ordered = sim.cluster.policies.ordered();
  if (ordered.length === 0) return [];
  const name = (p: (typeof ordered)[number]) =>
    `${POLICY_SHORT[p.kind]} ${p.namespace === undefined ? '' : `${p.namespace}/`}${p.name}`;
  return [
    { text: `${'POLICY'.padEnd(32)} ${'TIER/ORDER'.padEnd(13)} ${'TYPES'.padEnd(14)} SELECTOR`, tone: 'dim' },
    ...ordered.map(
      (p): Line =>
        plain(
          `${name(p).padEnd(32)} ${`${p.tier}/${p.order ?? '-'}`.padEnd(13)} ${p.types
            .map((t) => (t === 'ingress' ? 'Ingress' : 'Egress'))
            .join(',')
            .padEnd(14)} ${p.selector.text || 'all()'}`,
        ),
    ),
  ];
}

/** The event log up to now, newest last; `scroll` moves back in time. */
export function eventsScreen(timeline: Simulation, state: TuiState, height: number): Line[] {
  const upToNow = new Query(timeline).timeline().filter((e) => e.at <= state.at + 1e-9);
  const end = Math.max(0, upToNow.length - state.scroll);
  const shown = upToNow.slice(Math.max(0, end - height), end);
  if (shown.length === 0)
    return [{ text: 'Nothing has happened yet: press n to step to the first event.', tone: 'dim' }];
  return shown.map((e) => ({
    text: `${e.at.toFixed(3).padStart(9)}s  ${e.speaker.padEnd(10)} ${e.prefix !== undefined ? `${e.prefix} ${e.text}` : e.text}`,
    tone:
      e.text.includes('withdrawn') || e.text.includes('expired') || e.text.includes('stopped')
        ? 'bad'
        : e.text.includes('Established') || e.text.includes('added')
          ? 'ok'
          : 'plain',
  }));
}

/** The ports the Trace view steps through: the destination's own (its default first), then common ones. */
function tracePorts(dst: PodRecord): number[] {
  const own = dst.spec.containers.flatMap((c) => c.ports.map((p) => p.port));
  return [...new Set([defaultPort(dst.spec), ...own, 22, 53, 80, 179, 443, 8080])];
}

/** What a trace may go to: each pod with an address, then each Service with a ClusterIP (svc/NAME). */
export function traceDestinations(sim: Simulation): { name: string; ip: number; ports: number[] }[] {
  return [
    ...sim.cluster
      .pods()
      .filter((p) => p.podIp !== undefined)
      .map((p) => ({ name: p.spec.name, ip: p.podIp as number, ports: tracePorts(p) })),
    ...sim.cluster.services
      .list()
      .filter((r) => r.clusterIP !== undefined && r.spec.ports.length > 0)
      .map((r) => ({ name: `svc/${r.spec.name}`, ip: r.clusterIP as number, ports: r.spec.ports.map((p) => p.port) })),
  ];
}

export function traceScreen(sim: Simulation, state: TuiState): Line[] {
  const pods = sim.cluster.pods().filter((p) => p.podIp !== undefined);
  if (pods.length < 1) return [{ text: 'No pods with addresses to trace between.', tone: 'dim' }];
  const destinations = traceDestinations(sim);
  const src = pods[Math.min(state.traceSrc, pods.length - 1)];
  const dst = destinations[Math.min(traceDestination(state, pods.length), destinations.length - 1)];
  if (src?.podIp === undefined || dst === undefined) return [];
  const ports = dst.ports;
  const port = ports[((state.tracePort % ports.length) + ports.length) % ports.length] as number;
  const mark = (field: TraceField, text: string): string => (state.traceField === field ? `<${text}>` : ` ${text} `);
  const lines: Line[] = [
    {
      text: `From ${mark('src', src.spec.name)} to ${mark('dst', dst.name)}:${mark('port', String(port))} (left/right: field, up/down: change)`,
      tone: 'title',
    },
  ];
  const traces = new Tracer(sim, state.at).trace({
    srcPod: `${src.spec.namespace}/${src.spec.name}`,
    src: src.podIp,
    dst: dst.ip,
    protocol: 'TCP',
    port,
    loopback: false,
  });
  const text = formatTraces(traces, `${src.spec.name} -> ${dst.name}`).trimEnd().split('\n');
  // The outcome first, so it shows however small the terminal; the hops follow.
  const outcomes = text.filter((line) => line.startsWith('  => '));
  const tone = (line: string): Tone =>
    line.includes('=> ACCEPTED') || line.includes('=> EXITS_NETWORK') ? 'ok' : line.includes('=> ') ? 'bad' : 'plain';
  return [
    ...lines,
    ...outcomes.map((line): Line => ({ text: line.trim(), tone: tone(line) })),
    ...text
      .filter((line) => !line.startsWith('  => '))
      .slice(state.scroll)
      .map((line): Line => ({ text: line, tone: tone(line) })),
  ];
}

export function helpScreen(): Line[] {
  const width = Math.max(...KEYS.map(([k]) => k.length));
  return [{ text: 'Keys', tone: 'title' }, ...KEYS.map(([key, what]) => plain(`  ${key.padEnd(width)}  ${what}`))];
}

/** The trailing lines while the timeline is still being made. */
export function pendingFooter(state: TuiState): Line[] {
  return [
    { text: 'last event: working out the timeline...', tone: 'dim' },
    { text: state.message, tone: 'warn' },
  ];
}

/** The trailing lines: the latest events at this moment and the last message. */
export function footer(timeline: Simulation, state: TuiState): Line[] {
  const recent = new Query(timeline)
    .timeline()
    .filter((e) => e.at <= state.at + 1e-9)
    .slice(-1);
  return [
    ...recent.map((e) => ({
      text: `last event ${e.at.toFixed(3)}s ${e.speaker}: ${e.prefix !== undefined ? `${e.prefix} ${e.text}` : e.text}`,
      tone: 'dim' as Tone,
    })),
    { text: state.message, tone: 'warn' },
  ];
}
