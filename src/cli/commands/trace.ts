/** `podnet trace` and `podnet reach`: packets through the frozen forwarding state. */

import { assertNever } from '../../core/assert.js';
import type { PodRecord } from '../../core/cluster/index.js';
import type { Ipv4 } from '../../core/net/index.js';
import { byCodeUnit } from '../../core/order.js';
import { endpointLabels } from '../../core/policy/index.js';
import { addressedPods, reachMatrix } from '../../core/query/index.js';
import { matches, parseSelector, type Selector } from '../../core/selector/index.js';
import { defaultPort } from '../../core/topology/model.js';
import { didYouMean } from '../../core/topology/suggest.js';
import {
  type EndpointError,
  LOCALHOST,
  resolveDestination,
  resolveSource,
  type TraceDestination,
  type TraceSource,
} from '../../core/trace/endpoints.js';
import { type Flow, isSuccess, type Protocol, type Trace, Tracer } from '../../core/trace/index.js';
import { kubectlTable } from '../../io/format/tabwriter.js';
import { formatTraces, summarizeDispositions, traceObject } from '../../io/format/trace.js';
import { type GlobalOptions, viewSimulation } from '../context.js';
import { CommandFailure } from '../errors.js';
import type { CliIo } from '../io.js';
import { parseAt } from './at-flag.js';
import { printObject } from './pods.js';

export interface TraceFlags {
  readonly port?: string;
  readonly udp?: boolean;
  readonly at?: string;
  readonly bidirectional?: boolean;
  readonly output?: 'json';
  /** Follow only this endpoint pod when the trace meets a Service. */
  readonly endpoint?: string;
}

type Destination = TraceDestination;

/** An end the user named that does not resolve, as kubectl words it (exit 1; a bad port 2). */
function endpointFailure(error: EndpointError): CommandFailure {
  switch (error.kind) {
    case 'unknown-pod':
      return new CommandFailure(
        `Error from server (NotFound): pods "${error.text}" not found${didYouMean(error.text.split('/').pop() ?? error.text, error.candidates)}`,
        1,
      );
    case 'source-without-address':
      return new CommandFailure(`error: pod ${error.text} has no IP address yet (${error.status}): it cannot send`, 1);
    case 'destination-without-address':
      return new CommandFailure(`error: pod ${error.text} has no IP address yet`, 1);
    case 'bad-port':
      return new CommandFailure(`error: port "${error.text}" is out of range 1-65535`, 1);
    case 'unknown-destination':
      return new CommandFailure(
        `error: "${error.text}" is not a pod, node, router or IPv4 address${didYouMean(error.text, error.candidates)}`,
        1,
      );
    default:
      return assertNever(error, 'endpoint error');
  }
}

function sourceOf(tracer: Tracer, text: string): TraceSource {
  const resolved = resolveSource(tracer.sim, tracer.now, text);
  if (!resolved.ok) throw endpointFailure(resolved.error);
  return resolved.value;
}

function destinationOf(tracer: Tracer, text: string, namespace: string): Destination {
  const resolved = resolveDestination(tracer.sim, text, namespace);
  if (!resolved.ok) throw endpointFailure(resolved.error);
  return resolved.value;
}

/** --port as a number, or undefined for each destination's own default. */
function portFlag(flags: { port?: string }): number | undefined {
  const port = flags.port === undefined ? undefined : Number(flags.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535))
    throw new CommandFailure(`error: --port "${flags.port}" is out of range 1-65535`, 1);
  return port;
}

function flowFor(source: { pod: PodRecord; container?: string }, destination: Destination, flags: TraceFlags): Flow {
  const port =
    portFlag(flags) ??
    destination.port ??
    destination.defaultPort ??
    (destination.pod === undefined ? 80 : defaultPort(destination.pod.spec));
  const protocol: Protocol = flags.udp ? 'UDP' : 'TCP';
  return {
    srcPod: `${source.pod.spec.namespace}/${source.pod.spec.name}`,
    ...(source.container !== undefined ? { srcContainer: source.container } : {}),
    // To localhost, Linux picks 127.0.0.1 as the source too.
    src: destination.loopback ? LOCALHOST : (source.pod.podIp as Ipv4),
    dst: destination.loopback ? LOCALHOST : destination.ip,
    protocol,
    port,
    loopback: destination.loopback,
    ...(destination.lookup !== undefined ? { lookup: destination.lookup } : {}),
    ...(flags.endpoint !== undefined
      ? { endpoint: flags.endpoint.includes('/') ? flags.endpoint : `default/${flags.endpoint}` }
      : {}),
  };
}

/** A trace as the user named its ends: the tracer, both ends resolved, the flow and its branches. */
export function traceBetween(io: CliIo, options: GlobalOptions, src: string, dst: string, flags: TraceFlags) {
  const at = parseAt(flags.at);
  const { sim, moment } = viewSimulation(options, io, at === undefined ? {} : { at });
  const tracer = new Tracer(sim, moment.now);
  const source = sourceOf(tracer, src);
  const destination = destinationOf(tracer, dst, source.pod.spec.namespace);
  const flow = flowFor(source, destination, flags);
  return { sim, tracer, source, destination, flow, forward: tracer.trace(flow) };
}

/**
 * The reply of the connection: from the pod that answered (for a Service, the first branch's
 * endpoint, whose reply conntrack un-DNATs back to the Service's address) to the client.
 */
function replyOf(tracer: Tracer, destination: Destination, flow: Flow, forward: readonly Trace[]): Trace[] {
  // Policy dropped every packet of the connection: conntrack holds nothing to answer.
  if (forward.every((t) => t.disposition.kind === 'DENIED_IN' || t.disposition.kind === 'DENIED_OUT')) return [];
  const dnat = forward
    .filter((t) => t.disposition.kind === 'ACCEPTED')
    .flatMap((t) => t.hops.flatMap((h) => h.steps))
    .find((step) => step.kind === 'SERVICE_DNAT');
  const answering = dnat === undefined ? destination.pod : podAt(tracer, dnat.endpoint);
  if (answering === undefined) return [];
  return tracer.trace({
    srcPod: `${answering.spec.namespace}/${answering.spec.name}`,
    src: dnat === undefined ? destination.ip : dnat.to,
    // To the address the connection left from (a node's tunnel address, for a hostNetwork client).
    dst: forward[0]?.flow.src ?? flow.src,
    protocol: flow.protocol,
    port: 32768,
    loopback: false,
    reply: true,
    ...(dnat === undefined
      ? {}
      : { untranslate: { from: dnat.to, fromPort: dnat.port, to: flow.dst, toPort: flow.port } }),
  });
}

function podAt(tracer: Tracer, label: string): PodRecord | undefined {
  const [namespace, name] = label.split('/') as [string, string | undefined];
  return name === undefined ? undefined : tracer.sim.cluster.pod(namespace, name);
}

/** A trace from a node or router's own address (a client outside the pods). */
function machineTrace(
  io: CliIo,
  options: GlobalOptions,
  src: string,
  dst: string,
  flags: TraceFlags,
): number | undefined {
  const at = parseAt(flags.at);
  const { sim, moment } = viewSimulation(options, io, at === undefined ? {} : { at });
  const machine = sim.peering.speakers.find((s) => s.name === src);
  if (machine === undefined || sim.cluster.pod('default', src) !== undefined) return undefined;
  const tracer = new Tracer(sim, moment.now);
  const destination = destinationOf(tracer, dst, 'default');
  const flow: Flow = {
    srcPod: '',
    srcMachine: machine.name,
    src: machine.routerId,
    dst: destination.ip,
    protocol: flags.udp ? 'UDP' : 'TCP',
    port: portFlag(flags) ?? destination.port ?? destination.defaultPort ?? 80,
    loopback: false,
    ...(flags.endpoint !== undefined
      ? { endpoint: flags.endpoint.includes('/') ? flags.endpoint : `default/${flags.endpoint}` }
      : {}),
  };
  const traces = tracer.trace(flow);
  if (flags.output === 'json') printObject(io, { forward: traceObject(traces) }, 'json');
  else io.stdout(formatTraces(traces, `${machine.name} -> ${destination.label}`));
  return 0;
}

export function traceCommand(io: CliIo, options: GlobalOptions, src: string, dst: string, flags: TraceFlags): number {
  const fromMachine = machineTrace(io, options, src, dst, flags);
  if (fromMachine !== undefined) return fromMachine;
  const { tracer, source, destination, flow, forward } = traceBetween(io, options, src, dst, flags);
  const reply: Trace[] = flags.bidirectional && !flow.loopback ? replyOf(tracer, destination, flow, forward) : [];
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
    throw new CommandFailure(`error: ${flag} "${text}": ${parsed.reason} at character ${parsed.offset + 1}`, 1);
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
  // Selectors see what Calico's do: the pod's labels and its namespace's (projectcalico.org/namespace).
  const sources = withIp.filter((p) => matches(from, endpointLabels(p)));
  const targets = withIp.filter((p) => matches(to, endpointLabels(p)));
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
            disposition: summarizeDispositions(cell.dispositions),
            reachable: cell.dispositions.every(isSuccess),
          },
    ),
  );
  const cells = results.flat().filter((r) => r.disposition !== '-');
  const counts = new Map<string, number>();
  for (const cell of cells) counts.set(cell.disposition, (counts.get(cell.disposition) ?? 0) + 1);
  const reachable = cells.filter((c) => 'reachable' in c && c.reachable).length;
  const summaryLine = `${cells.length} pair${cells.length === 1 ? '' : 's'}, ${reachable} reachable: ${
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

/**
 * `reach --services`: each source pod to each Service's ClusterIP on its first port, through
 * kube-proxy. A cell is every branch's disposition (one per endpoint), as `trace` would end.
 */
export function reachServicesCommand(
  io: CliIo,
  options: GlobalOptions,
  flags: { from?: string; at?: string; output?: 'json' },
): number {
  const at = parseAt(flags.at);
  const { sim, moment } = viewSimulation(options, io, at === undefined ? {} : { at });
  const tracer = new Tracer(sim, moment.now);
  const from = selector(flags.from, '--from');
  const sources = addressedPods(sim).filter((p) => matches(from, endpointLabels(p)));
  const services = sim.cluster.services.list().filter((r) => r.clusterIP !== undefined && r.spec.ports.length > 0);
  const name = (ns: string, n: string) => (ns === 'default' ? n : `${ns}/${n}`);
  const rows = sources.map((src) =>
    services.map((service) => {
      const port = service.spec.ports[0] as { port: number; protocol: 'TCP' | 'UDP' | 'SCTP' };
      const dispositions = tracer.dispositions({
        srcPod: `${src.spec.namespace}/${src.spec.name}`,
        src: src.podIp as Ipv4,
        dst: service.clusterIP as Ipv4,
        protocol: port.protocol === 'UDP' ? 'UDP' : 'TCP',
        port: port.port,
        loopback: false,
      });
      const accepted = dispositions.filter((d) => d.kind === 'ACCEPTED').length;
      return {
        src: name(src.spec.namespace, src.spec.name),
        service: name(service.spec.namespace, service.spec.name),
        port: port.port,
        disposition: summarizeDispositions(dispositions),
        branches: `${accepted}/${dispositions.length}`,
      };
    }),
  );
  if (flags.output === 'json') {
    printObject(io, { pairs: rows.flat() }, 'json');
    return 0;
  }
  const header = [
    'FROM \\ TO',
    ...services.map((s) => `${name(s.spec.namespace, s.spec.name)}:${s.spec.ports[0]?.port}`),
  ];
  const cells = rows.map((row, i) => [
    name((sources[i] as PodRecord).spec.namespace, (sources[i] as PodRecord).spec.name),
    ...row.map((cell) => (cell.disposition === 'ACCEPTED' ? `ACCEPTED ${cell.branches}` : cell.disposition)),
  ]);
  io.stdout(`${kubectlTable(header, cells)}\n`);
  return 0;
}
