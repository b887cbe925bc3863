/**
 * kube-proxy in iptables mode, as a packet on a node meets it: a ClusterIP, an external IP or a
 * node port of a Service (KUBE-SERVICES, KUBE-NODEPORTS) is translated to one endpoint, each
 * endpoint's rule matching with probability 1/n, 1/(n-1), ... so every endpoint gets 1/n of new
 * connections. The tracer forks one branch per endpoint. Traffic from outside under the Cluster
 * policy, and a pod reaching itself through its Service, are masqueraded to the node. No usable
 * endpoint: REJECT; a Local policy with endpoints only elsewhere: DROP.
 *
 * Chain names are kube-proxy's: "KUBE-SVC-" + the first 16 characters of base32(sha256(
 * "<ns>/<svc>[:<port name>]" + protocol)), and KUBE-SEP- the same over the endpoint "ip:port" too.
 */
import { createHash } from 'node:crypto';
import type { Endpoint } from '../cluster/endpoints.js';
import type { Cluster } from '../cluster/index.js';
import type { ServiceRecord } from '../cluster/services.js';
import { formatIpv4, type Ipv4 } from '../net/index.js';
import type { Protocol, Step } from './types.js';

export interface ServiceHit {
  readonly record: ServiceRecord;
  readonly portIndex: number;
  readonly via: 'cluster-ip' | 'node-port' | 'external-ip';
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

function chainHash(text: string): string {
  return base32(createHash('sha256').update(text).digest()).slice(0, 16);
}

export function serviceChains(hit: ServiceHit, protocol: Protocol, endpoint?: Endpoint): { svc: string; sep?: string } {
  const { spec } = hit.record;
  const name = spec.ports[hit.portIndex]?.name;
  const portName = `${spec.namespace}/${spec.name}${name === undefined ? '' : `:${name}`}`;
  const proto = protocol.toLowerCase();
  const svc = `KUBE-SVC-${chainHash(portName + proto)}`;
  if (endpoint === undefined) return { svc };
  return { svc, sep: `KUBE-SEP-${chainHash(`${portName}${proto}${formatIpv4(endpoint.ip)}:${endpoint.port}`)}` };
}

/** The SERVICE_DNAT step of the branch to the i-th of n endpoints. */
export function dnatStep(
  hit: ServiceHit,
  protocol: Protocol,
  endpoint: Endpoint,
  i: number,
  n: number,
  label: string,
): Step {
  return {
    kind: 'SERVICE_DNAT',
    service: `${hit.record.spec.namespace}/${hit.record.spec.name}`,
    via: hit.via,
    chain: serviceChains(hit, protocol).svc,
    endpointChain: serviceChains(hit, protocol, endpoint).sep as string,
    to: endpoint.ip,
    port: endpoint.port,
    endpoint: label,
    probability: i === n - 1 ? 1 : 1 / (n - i),
    share: 1 / n,
    affinity: hit.record.spec.sessionAffinity === 'ClientIP',
  };
}

/**
 * Why kube-proxy marks the connection for masquerade, if it does: external traffic under the
 * Cluster policy, ClusterIP traffic from outside the pod CIDR, a pod reaching itself (hairpin).
 */
export function masqueradeWhy(
  hit: ServiceHit,
  local: boolean,
  fromOutside: boolean,
  hairpin: boolean,
): 'external' | 'outside' | 'hairpin' | undefined {
  if (hit.via !== 'cluster-ip' && !local) return 'external';
  if (hit.via === 'cluster-ip' && fromOutside) return 'outside';
  return hairpin ? 'hairpin' : undefined;
}

/** The Service (and port) a packet to dst:port is for, on a node whose own address is `nodeIp`. */
export function serviceHit(
  cluster: Cluster,
  nodeIp: Ipv4,
  dst: Ipv4,
  port: number,
  protocol: Protocol,
): ServiceHit | undefined {
  const { services } = cluster;
  const matchPort = (record: ServiceRecord, via: ServiceHit['via']): ServiceHit | undefined => {
    const portIndex = record.spec.ports.findIndex((p) => p.port === port && p.protocol === protocol);
    return portIndex < 0 ? undefined : { record, portIndex, via };
  };
  const byIp = services.byClusterIp(dst);
  if (byIp !== undefined) return matchPort(byIp, 'cluster-ip');
  for (const record of services.byExternalIp(dst)) {
    const hit = matchPort(record, 'external-ip');
    if (hit !== undefined) return hit;
  }
  if (dst !== nodeIp) return undefined;
  const byNodePort = services.byNodePort(port);
  if (byNodePort === undefined) return undefined;
  const portIndex = byNodePort.nodePorts.indexOf(port);
  return byNodePort.spec.ports[portIndex]?.protocol === protocol
    ? { record: byNodePort, portIndex, via: 'node-port' }
    : undefined;
}

/**
 * The endpoints kube-proxy on `node` sends this hit to: ready ones, else serving ones that are
 * terminating; only the node's own under a Local policy. `elsewhere` says whether a Local policy
 * is what left none.
 */
export function usableEndpoints(
  all: readonly Endpoint[],
  hit: ServiceHit,
  node: string,
): { endpoints: readonly Endpoint[]; local: boolean; elsewhere: boolean } {
  const ready = all.filter((e) => e.ready);
  const candidates = ready.length > 0 ? ready : all.filter((e) => e.serving && e.terminating);
  const { spec } = hit.record;
  const local =
    hit.via === 'cluster-ip' ? spec.internalTrafficPolicy === 'Local' : spec.externalTrafficPolicy === 'Local';
  if (!local) return { endpoints: candidates, local, elsewhere: false };
  const mine = candidates.filter((e) => e.nodeName === node);
  return { endpoints: mine, local, elsewhere: mine.length === 0 && candidates.length > 0 };
}
