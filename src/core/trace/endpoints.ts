/**
 * The two ends of a trace as a user names them: a source pod (`pod`, `ns/pod`, `pod/container`),
 * and a destination that is a pod, an IPv4 address (of a pod, a Service or neither), a node or
 * router, a DNS name as the pod's resolver looks it up (`svc`, `svc.ns`, `...svc.cluster.local`,
 * `a-b-c-d.ns.pod.cluster.local`), or localhost, each optionally with `:port`. Failures are values
 * the CLI words; nothing here throws for a user's typo.
 */
import type { Simulation } from '../bgp/simulate.js';
import { endpointsOf } from '../cluster/endpoints.js';
import type { PodRecord } from '../cluster/index.js';
import { KUBE_DNS_IP, type ServiceRecord } from '../cluster/services.js';
import { formatIpv4, type Ipv4, parseIpv4 } from '../net/index.js';
import type { DnsLookup } from './types.js';

export interface TraceSource {
  readonly pod: PodRecord;
  readonly container?: string;
}

export interface TraceDestination {
  readonly ip: Ipv4;
  readonly port?: number;
  /** The port to use when none is given: a Service's first port. */
  readonly defaultPort?: number;
  readonly label: string;
  readonly pod?: PodRecord;
  readonly loopback: boolean;
  /** A DNS name and how it resolved (no answer: NXDOMAIN). */
  readonly lookup?: DnsLookup;
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

/** The search path a pod's resolv.conf has (kubelet's ClusterFirst), and ndots:5. */
function searchPath(namespace: string): string[] {
  return [`${namespace}.svc.cluster.local`, 'svc.cluster.local', 'cluster.local'];
}

/** What the cluster DNS answers for a fully qualified name: a Service's ClusterIP, or a pod's A record. */
function record(sim: Simulation, fqdn: string): { ip: Ipv4; service?: ServiceRecord } | undefined {
  const service = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local$/.exec(fqdn);
  if (service !== null) {
    const found = sim.cluster.services.get(service[2] as string, service[1] as string);
    if (found === undefined) return undefined;
    // A headless Service answers with its endpoints' addresses; a client takes the first.
    const ip = found.clusterIP ?? serviceEndpoints(sim, found)[0];
    return ip === undefined ? undefined : { ip, service: found };
  }
  const pod = /^(\d+)-(\d+)-(\d+)-(\d+)\.([a-z0-9-]+)\.pod\.cluster\.local$/.exec(fqdn);
  return pod === null ? undefined : ((ip) => (ip === null ? undefined : { ip }))(parseIpv4(pod.slice(1, 5).join('.')));
}

function serviceEndpoints(sim: Simulation, service: ServiceRecord): Ipv4[] {
  return service.spec.ports.length === 0
    ? []
    : endpointsOf(sim.cluster, service, 0, sim.until)
        .filter((e) => e.ready)
        .map((e) => e.ip);
}

/**
 * A DNS name as the pod's resolver looks it up: with fewer than 5 dots, each search domain first,
 * then the name itself. A name with a dot that nothing answers is NXDOMAIN; a bare word that is
 * nothing is left to the caller (most likely a misspelt pod).
 */
function lookUp(sim: Simulation, host: string, namespace: string): TraceDestination | undefined {
  const name = host.replace(/\.$/, '');
  const dots = name.split('.').length - 1;
  const candidates = [...(dots < 5 ? searchPath(namespace).map((domain) => `${name}.${domain}`) : []), name];
  const tried: string[] = [];
  for (const fqdn of candidates) {
    tried.push(fqdn);
    const answer = record(sim, fqdn);
    if (answer === undefined) continue;
    const lookup: DnsLookup = { name, tried, answer: answer.ip, server: KUBE_DNS_IP };
    const pod = sim.cluster.podByIp(answer.ip);
    const defaultPort = answer.service?.spec.ports[0]?.port;
    return {
      ip: answer.ip,
      label: answer.service ? `service ${answer.service.spec.namespace}/${answer.service.spec.name} (${name})` : name,
      loopback: false,
      lookup,
      ...(pod !== undefined ? { pod } : {}),
      ...(defaultPort !== undefined ? { defaultPort } : {}),
    };
  }
  if (dots === 0) return undefined;
  return { ip: 0, label: name, loopback: false, lookup: { name, tried, server: KUBE_DNS_IP } };
}

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

export function resolveDestination(sim: Simulation, text: string, namespace = 'default'): Resolved<TraceDestination> {
  const colon = text.lastIndexOf(':');
  const host = colon > 0 ? text.slice(0, colon) : text;
  const portText = colon > 0 ? text.slice(colon + 1) : undefined;
  const port = portText === undefined ? undefined : Number(portText);
  if (portText !== undefined && (port === undefined || !Number.isInteger(port) || port < 1 || port > 65535)) {
    return { ok: false, error: { kind: 'bad-port', text: portText } };
  }
  const found = destinationHost(sim, host, namespace);
  if (!found.ok || port === undefined) return found;
  return { ok: true, value: { ...found.value, port } };
}

function destinationHost(sim: Simulation, host: string, namespace: string): Resolved<TraceDestination> {
  if (host === 'localhost' || host === '127.0.0.1')
    return { ok: true, value: { ip: LOCALHOST, label: 'localhost', loopback: true } };
  const ip = parseIpv4(host);
  if (ip !== null) {
    const pod = sim.cluster.podByIp(ip);
    const service = sim.cluster.services.byClusterIp(ip);
    const label = pod
      ? `${pod.spec.namespace}/${pod.spec.name}`
      : service
        ? `service ${service.spec.namespace}/${service.spec.name} (${formatIpv4(ip)})`
        : formatIpv4(ip);
    const defaultPort = service?.spec.ports[0]?.port;
    return {
      ok: true,
      value: { ip, label, loopback: false, ...(pod ? { pod } : {}), ...(defaultPort ? { defaultPort } : {}) },
    };
  }
  const found = findPod(sim, host);
  if (found !== undefined) {
    if (found.pod.podIp === undefined) return { ok: false, error: { kind: 'destination-without-address', text: host } };
    const label = `${found.pod.spec.namespace}/${found.pod.spec.name}`;
    return { ok: true, value: { ip: found.pod.podIp, label, pod: found.pod, loopback: false } };
  }
  const machine = sim.peering.speakers.find((s) => s.name === host);
  if (machine !== undefined) return { ok: true, value: { ip: machine.routerId, label: machine.name, loopback: false } };
  const named = lookUp(sim, host, namespace);
  if (named !== undefined) return { ok: true, value: named };
  const candidates = [...sim.cluster.pods().map((p) => p.spec.name), ...sim.peering.speakers.map((s) => s.name)];
  return { ok: false, error: { kind: 'unknown-destination', text: host, candidates } };
}
