/**
 * The two ends of a trace as a user names them: a source pod (`pod`, `ns/pod`, `pod/container`),
 * and a destination that is a pod, an IPv4 address (of a pod or not), a node or router, or
 * localhost, each optionally with `:port`. Failures are values the CLI words; nothing here
 * throws for a user's typo.
 */
import type { Simulation } from '../bgp/simulate.js';
import type { PodRecord } from '../cluster/index.js';
import { formatIpv4, type Ipv4, parseIpv4 } from '../net/index.js';

export interface TraceSource {
  readonly pod: PodRecord;
  readonly container?: string;
}

export interface TraceDestination {
  readonly ip: Ipv4;
  readonly port?: number;
  readonly label: string;
  readonly pod?: PodRecord;
  readonly loopback: boolean;
}

export type EndpointError =
  | { readonly kind: 'unknown-pod'; readonly text: string; readonly candidates: readonly string[] }
  | { readonly kind: 'source-without-address'; readonly text: string; readonly status: string }
  | { readonly kind: 'destination-without-address'; readonly text: string }
  | { readonly kind: 'bad-port'; readonly text: string }
  | { readonly kind: 'unknown-destination'; readonly text: string; readonly candidates: readonly string[] };

export type Resolved<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: EndpointError };

/** 127.0.0.1: where `localhost` goes, and where a connection to it comes from. */
export const LOCALHOST = 0x7f000001;

/** `pod`, `ns/pod`, or `pod/container` in the default namespace. */
function findPod(sim: Simulation, text: string): TraceSource | undefined {
  const { cluster } = sim;
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

export function resolveSource(sim: Simulation, now: number, text: string): Resolved<TraceSource> {
  const found = findPod(sim, text);
  if (found === undefined) {
    return { ok: false, error: { kind: 'unknown-pod', text, candidates: sim.cluster.pods().map((p) => p.spec.name) } };
  }
  if (found.pod.podIp === undefined) {
    const status = sim.cluster.statusAt(found.pod, now).display;
    return { ok: false, error: { kind: 'source-without-address', text, status } };
  }
  return { ok: true, value: found };
}

export function resolveDestination(sim: Simulation, text: string): Resolved<TraceDestination> {
  const colon = text.lastIndexOf(':');
  const host = colon > 0 ? text.slice(0, colon) : text;
  const portText = colon > 0 ? text.slice(colon + 1) : undefined;
  const port = portText === undefined ? undefined : Number(portText);
  if (portText !== undefined && (port === undefined || !Number.isInteger(port) || port < 1 || port > 65535)) {
    return { ok: false, error: { kind: 'bad-port', text: portText } };
  }
  const found = destinationHost(sim, host);
  if (!found.ok || port === undefined) return found;
  return { ok: true, value: { ...found.value, port } };
}

function destinationHost(sim: Simulation, host: string): Resolved<TraceDestination> {
  if (host === 'localhost' || host === '127.0.0.1')
    return { ok: true, value: { ip: LOCALHOST, label: 'localhost', loopback: true } };
  const ip = parseIpv4(host);
  if (ip !== null) {
    const pod = sim.cluster.podByIp(ip);
    const label = pod ? `${pod.spec.namespace}/${pod.spec.name}` : formatIpv4(ip);
    return { ok: true, value: { ip, label, loopback: false, ...(pod ? { pod } : {}) } };
  }
  const found = findPod(sim, host);
  if (found !== undefined) {
    if (found.pod.podIp === undefined) return { ok: false, error: { kind: 'destination-without-address', text: host } };
    const label = `${found.pod.spec.namespace}/${found.pod.spec.name}`;
    return { ok: true, value: { ip: found.pod.podIp, label, pod: found.pod, loopback: false } };
  }
  const machine = sim.peering.speakers.find((s) => s.name === host);
  if (machine !== undefined) return { ok: true, value: { ip: machine.routerId, label: machine.name, loopback: false } };
  const candidates = [...sim.cluster.pods().map((p) => p.spec.name), ...sim.peering.speakers.map((s) => s.name)];
  return { ok: false, error: { kind: 'unknown-destination', text: host, candidates } };
}
