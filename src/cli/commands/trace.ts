/** `podnet trace` and `podnet reach`: packets through the frozen forwarding state. */
import type { PodRecord } from '../../core/cluster/index.js';
import { formatIpv4, type Ipv4, parseIpv4 } from '../../core/net/index.js';
import { byCodeUnit } from '../../core/order.js';
import { addressedPods, reachMatrix } from '../../core/query/index.js';
import { matches, parseSelector, type Selector } from '../../core/selector/index.js';
import { defaultPort } from '../../core/topology/model.js';
import { didYouMean } from '../../core/topology/suggest.js';
import { type Flow, isSuccess, type Protocol, type Trace, Tracer } from '../../core/trace/index.js';
import { kubectlTable } from '../../io/format/tabwriter.js';
import { formatTraces, summarizeDispositions, traceObject } from '../../io/format/trace.js';
import { type GlobalOptions, viewSimulation } from '../context.js';
import { CommandFailure } from '../errors.js';
import type { CliIo } from '../io.js';
import { parseAt } from './bgp.js';
import { printObject } from './pods.js';

export interface TraceFlags {
  readonly port?: string;
  readonly udp?: boolean;
  readonly at?: string;
  readonly bidirectional?: boolean;
  readonly output?: 'json';
}

interface Destination {
  readonly ip: Ipv4;
  readonly port?: number;
  readonly label: string;
  readonly pod?: PodRecord;
  readonly loopback: boolean;
}

function findPod(tracer: Tracer, text: string): { pod: PodRecord; container?: string } | undefined {
  const cluster = tracer.sim.cluster;
  const [first, second] = text.split('/') as [string, string | undefined];
  if (second === undefined) {
    const pod = cluster.pod('default', first);
    return pod ? { pod } : undefined;
  }
  const namespaced = cluster.pod(first, second);
  if (namespaced) return { pod: namespaced };
  const pod = cluster.pod('default', first);
  if (pod?.spec.containers.some((c) => c.name === second)) return { pod, container: second };
  return undefined;
}

function notFoundPod(tracer: Tracer, text: string): CommandFailure {
  const names = tracer.sim.cluster.pods().map((p) => p.spec.name);
  return new CommandFailure(
    `Error from server (NotFound): pods "${text}" not found${didYouMean(text.split('/').pop() ?? text, names)}`,
    1,
  );
}

function sourceOf(tracer: Tracer, text: string): { pod: PodRecord; container?: string } {
  const found = findPod(tracer, text);
  if (found === undefined) throw notFoundPod(tracer, text);
  if (found.pod.allocation === undefined) {
    const status = tracer.sim.cluster.statusAt(found.pod, tracer.now).display;
    throw new CommandFailure(`error: pod ${text} has no IP address yet (${status}): it cannot send`, 1);
  }
  return found;
}

function destinationOf(tracer: Tracer, text: string): Destination {
  const colon = text.lastIndexOf(':');
  const host = colon > 0 ? text.slice(0, colon) : text;
  const portText = colon > 0 ? text.slice(colon + 1) : undefined;
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535))
    throw new CommandFailure(`error: port "${portText}" is out of range 1-65535`, 2);
  const withPort = (d: Omit<Destination, 'port'>): Destination => (port === undefined ? d : { ...d, port });
  if (host === 'localhost' || host === '127.0.0.1')
    return withPort({ ip: 0x7f000001, label: 'localhost', loopback: true });
  const ip = parseIpv4(host);
  if (ip !== null) {
    const pod = tracer.sim.cluster.podByIp(ip);
    return withPort({
      ip,
      label: pod ? `${pod.spec.namespace}/${pod.spec.name}` : formatIpv4(ip),
      loopback: false,
      ...(pod ? { pod } : {}),
    });
  }
  const found = findPod(tracer, host);
  if (found !== undefined) {
    if (found.pod.allocation === undefined) throw new CommandFailure(`error: pod ${host} has no IP address yet`, 1);
    return withPort({
      ip: found.pod.allocation.ip,
      label: `${found.pod.spec.namespace}/${found.pod.spec.name}`,
      pod: found.pod,
      loopback: false,
    });
  }
  const machine = tracer.sim.peering.speakers.find((s) => s.name === host);
  if (machine !== undefined) return withPort({ ip: machine.routerId, label: machine.name, loopback: false });
  const candidates = [
    ...tracer.sim.cluster.pods().map((p) => p.spec.name),
    ...tracer.sim.peering.speakers.map((s) => s.name),
  ];
  throw new CommandFailure(
    `error: "${host}" is not a pod, node, router or IPv4 address${didYouMean(host, candidates)}`,
    1,
  );
}

/** --port as a number, or undefined for each destination's own default. */
function portFlag(flags: { port?: string }): number | undefined {
  const port = flags.port === undefined ? undefined : Number(flags.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535))
    throw new CommandFailure(`error: --port "${flags.port}" is out of range 1-65535`, 2);
  return port;
}

function flowFor(source: { pod: PodRecord; container?: string }, destination: Destination, flags: TraceFlags): Flow {
  const port =
    portFlag(flags) ?? destination.port ?? (destination.pod === undefined ? 80 : defaultPort(destination.pod.spec));
  const protocol: Protocol = flags.udp ? 'UDP' : 'TCP';
  return {
    srcPod: `${source.pod.spec.namespace}/${source.pod.spec.name}`,
    ...(source.container !== undefined ? { srcContainer: source.container } : {}),
    src: source.pod.allocation?.ip as Ipv4,
    dst: destination.loopback ? (source.pod.allocation?.ip as Ipv4) : destination.ip,
    protocol,
    port,
    loopback: destination.loopback,
  };
}

/** A trace as the user named its ends: the tracer, both ends resolved, the flow and its branches. */
export function traceBetween(io: CliIo, options: GlobalOptions, src: string, dst: string, flags: TraceFlags) {
  const at = parseAt(flags.at);
  const { sim, moment } = viewSimulation(options, io, at === undefined ? {} : { at });
  const tracer = new Tracer(sim, moment.now);
  const source = sourceOf(tracer, src);
  const destination = destinationOf(tracer, dst);
  const flow = flowFor(source, destination, flags);
  return { sim, tracer, source, destination, flow, forward: tracer.trace(flow) };
}

export function traceCommand(io: CliIo, options: GlobalOptions, src: string, dst: string, flags: TraceFlags): number {
  const { tracer, source, destination, flow, forward } = traceBetween(io, options, src, dst, flags);
  const reply: Trace[] =
    flags.bidirectional && destination.pod !== undefined && !flow.loopback
      ? tracer.trace({
          srcPod: `${destination.pod.spec.namespace}/${destination.pod.spec.name}`,
          src: destination.ip,
          dst: flow.src,
          protocol: flow.protocol,
          port: 32768,
          loopback: false,
          reply: true,
        })
      : [];
  const srcLabel = `${source.pod.spec.namespace}/${source.pod.spec.name}`;
  if (flags.output === 'json') {
    printObject(
      io,
      { forward: traceObject(forward), ...(reply.length > 0 ? { reply: traceObject(reply) } : {}) },
      'json',
    );
  } else {
    io.stdout(formatTraces(forward, `${srcLabel} -> ${destination.label}`));
    if (reply.length > 0) io.stdout(`\nReply:\n${formatTraces(reply, `${destination.label} -> ${srcLabel}`)}`);
  }
  return 0;
}

function selector(text: string | undefined, flag: string): Selector {
  const parsed = parseSelector(text ?? 'all()');
  if (!parsed.ok)
    throw new CommandFailure(`error: ${flag} "${text}": ${parsed.reason} at character ${parsed.offset + 1}`, 2);
  return parsed.selector;
}

export function reachCommand(
  io: CliIo,
  options: GlobalOptions,
  flags: { from?: string; to?: string; port?: string; at?: string; udp?: boolean; output?: 'json' },
): number {
  const at = parseAt(flags.at);
  const { sim, moment } = viewSimulation(options, io, at === undefined ? {} : { at });
  const tracer = new Tracer(sim, moment.now);
  const from = selector(flags.from, '--from');
  const to = selector(flags.to, '--to');
  const withIp = addressedPods(sim);
  const sources = withIp.filter((p) => matches(from, p.spec.labels));
  const targets = withIp.filter((p) => matches(to, p.spec.labels));
  const label = (p: PodRecord): string =>
    p.spec.namespace === 'default' ? p.spec.name : `${p.spec.namespace}/${p.spec.name}`;
  const port = portFlag(flags);
  const matrix = reachMatrix(sim, sources, targets, {
    tracer,
    protocol: flags.udp ? 'UDP' : 'TCP',
    ...(port !== undefined ? { port } : {}),
  });
  const results = matrix.map((row, i) =>
    row.map((cell, j) =>
      cell === undefined
        ? { src: label(sources[i] as PodRecord), dst: label(targets[j] as PodRecord), disposition: '-' }
        : {
            src: label(cell.src),
            dst: label(cell.dst),
            port: cell.flow.port,
            disposition: summarizeDispositions(cell.traces),
            reachable: cell.traces.every((tr) => isSuccess(tr.disposition)),
          },
    ),
  );
  const cells = results.flat().filter((r) => r.disposition !== '-');
  const counts = new Map<string, number>();
  for (const cell of cells) counts.set(cell.disposition, (counts.get(cell.disposition) ?? 0) + 1);
  const reachable = cells.filter((c) => 'reachable' in c && c.reachable).length;
  const summaryLine = `${cells.length} pairs, ${reachable} reachable: ${
    [...counts.entries()]
      .sort(([a], [b]) => byCodeUnit(a, b))
      .map(([k, n]) => `${n} ${k}`)
      .join(', ') || 'none'
  }`;
  if (flags.output === 'json') {
    printObject(io, { pairs: cells, summary: Object.fromEntries(counts) }, 'json');
    return 0;
  }
  if (sources.length === 0 || targets.length === 0) {
    io.stdout(
      `no pods with addresses match${sources.length === 0 ? ` --from ${flags.from ?? 'all()'}` : ''}${targets.length === 0 ? ` --to ${flags.to ?? 'all()'}` : ''}\n`,
    );
    return 0;
  }
  io.stdout(
    `${kubectlTable(
      ['FROM \\ TO', ...targets.map(label)],
      results.map((row, i) => [label(sources[i] as PodRecord), ...row.map((r) => r.disposition)]),
    )}\n${summaryLine}\n`,
  );
  return 0;
}
