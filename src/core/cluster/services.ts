/**
 * Services as the API server holds them: each with its ClusterIP and node ports, assigned as
 * kube-apiserver assigns them, and the two Services every kubeadm cluster has (default/kubernetes
 * at 10.96.0.1, kube-system/kube-dns at 10.96.0.10).
 *
 * ClusterIPs come from 10.96.0.0/12. A requested one must be free; an assigned one is drawn from
 * the upper band (the first 256 addresses are kept for requests), and node ports from 30086-32767
 * (30000-30085 kept for requests), as the bitmap allocators do. The draw is a hash of the seed and
 * the Service's name instead of random, so the same files give the same addresses.
 * Invariants: no two Services share a ClusterIP or a node port. Leaves out: LoadBalancer and
 * ExternalName Services, dual stack.
 */
import type { Ipv4 } from '../net/index.js';
import { byNamespacedName } from '../order.js';
import type { ServiceSpec } from '../topology/model.js';
import { fnv1a } from '../topology/names.js';
import { NODE_PORT_RANGE, SERVICE_CIDR } from '../topology/resolve-services.js';

export interface ServiceRecord {
  readonly spec: ServiceSpec;
  /** Undefined for a headless Service. */
  readonly clusterIP?: Ipv4;
  /** Per port of the spec: its node port, for a NodePort Service. */
  readonly nodePorts: readonly (number | undefined)[];
  readonly createdAt: number;
  /** Made by kubeadm, not by the user. */
  readonly builtin: boolean;
}

export type ServiceRefusal =
  | { readonly kind: 'ip-taken'; readonly ip: Ipv4 }
  | { readonly kind: 'node-port-taken'; readonly index: number; readonly port: number };

const STATIC_BAND = 256;
const SERVICE_SIZE = 2 ** (32 - SERVICE_CIDR.len);
const NODE_PORT_STATIC = 86;

function builtin(
  namespace: string,
  name: string,
  ports: ServiceSpec['ports'],
  selector?: Record<string, string>,
): ServiceSpec {
  return {
    namespace,
    name,
    labels: selector === undefined ? { component: 'apiserver', provider: 'kubernetes' } : { 'k8s-app': 'kube-dns' },
    annotations: {},
    type: 'ClusterIP',
    ...(selector === undefined ? {} : { selector }),
    ports,
    externalIPs: [],
    sessionAffinity: 'None',
    externalTrafficPolicy: 'Cluster',
    internalTrafficPolicy: 'Cluster',
    publishNotReadyAddresses: false,
    origin: { source: -1, path: [] },
  };
}

/** kubeadm's default/kubernetes: 443 to the API server on each control-plane node's 6443. */
export const KUBERNETES_SERVICE = builtin('default', 'kubernetes', [
  { name: 'https', protocol: 'TCP', port: 443, targetPort: 6443 },
]);

/** kubeadm's kube-system/kube-dns, in front of CoreDNS. */
export const KUBE_DNS_SERVICE = builtin(
  'kube-system',
  'kube-dns',
  [
    { name: 'dns', protocol: 'UDP', port: 53, targetPort: 53 },
    { name: 'dns-tcp', protocol: 'TCP', port: 53, targetPort: 53 },
    { name: 'metrics', protocol: 'TCP', port: 9153, targetPort: 9153 },
  ],
  { 'k8s-app': 'kube-dns' },
);

export const KUBE_DNS_IP: Ipv4 = SERVICE_CIDR.base + 10;

export class Services {
  private readonly records = new Map<string, ServiceRecord>();
  private readonly ips = new Map<Ipv4, string>();
  private readonly nodePorts = new Map<number, string>();
  /** Services by external IP, in the order they were put: made on first ask, dropped on any change. */
  private externalIps: Map<Ipv4, ServiceRecord[]> | undefined;

  constructor(private readonly seed: number) {
    this.put(KUBERNETES_SERVICE, 0, true);
    this.put({ ...KUBE_DNS_SERVICE, clusterIP: KUBE_DNS_IP }, 0, true);
  }

  /** Creates or replaces a Service; a taken address or node port refuses it, changing nothing. */
  put(spec: ServiceSpec, at: number, isBuiltin = false): ServiceRecord | ServiceRefusal {
    const key = `${spec.namespace}/${spec.name}`;
    const previous = this.records.get(key);
    this.externalIps = undefined;
    if (previous !== undefined) this.release(key, previous);
    const clusterIP = spec.clusterIP === 'None' ? undefined : this.claimIp(key, spec.clusterIP, isBuiltin);
    if (typeof clusterIP === 'object') return this.restore(key, previous, clusterIP);
    const nodePorts: (number | undefined)[] = [];
    for (const [index, port] of spec.ports.entries()) {
      if (spec.type !== 'NodePort') {
        nodePorts.push(undefined);
        continue;
      }
      const claimed = this.claimNodePort(key, port.nodePort, index);
      if (typeof claimed === 'object') {
        if (clusterIP !== undefined) this.ips.delete(clusterIP);
        for (const p of nodePorts) if (p !== undefined) this.nodePorts.delete(p);
        return this.restore(key, previous, claimed);
      }
      nodePorts.push(claimed);
    }
    const record: ServiceRecord = {
      spec,
      ...(clusterIP !== undefined ? { clusterIP } : {}),
      nodePorts,
      createdAt: previous?.createdAt ?? at,
      builtin: isBuiltin,
    };
    this.records.set(key, record);
    return record;
  }

  private restore(key: string, previous: ServiceRecord | undefined, refusal: ServiceRefusal): ServiceRefusal {
    if (previous !== undefined) {
      this.records.set(key, previous);
      if (previous.clusterIP !== undefined) this.ips.set(previous.clusterIP, key);
      for (const p of previous.nodePorts) if (p !== undefined) this.nodePorts.set(p, key);
    }
    return refusal;
  }

  private release(key: string, record: ServiceRecord): void {
    this.externalIps = undefined;
    this.records.delete(key);
    if (record.clusterIP !== undefined && this.ips.get(record.clusterIP) === key) this.ips.delete(record.clusterIP);
    for (const p of record.nodePorts) if (p !== undefined && this.nodePorts.get(p) === key) this.nodePorts.delete(p);
  }

  private claimIp(key: string, requested: Ipv4 | undefined, isBuiltin: boolean): Ipv4 | ServiceRefusal {
    if (requested !== undefined) {
      if (this.ips.has(requested)) return { kind: 'ip-taken', ip: requested };
      this.ips.set(requested, key);
      return requested;
    }
    // kubernetes is the first address of the range; the others draw from the upper band.
    const first = SERVICE_CIDR.base + 1;
    if (isBuiltin && !this.ips.has(first)) {
      this.ips.set(first, key);
      return first;
    }
    const band = SERVICE_SIZE - STATIC_BAND - 2;
    let offset = fnv1a(`${this.seed}/${key}`) % band;
    while (this.ips.has(SERVICE_CIDR.base + STATIC_BAND + 1 + offset)) offset = (offset + 1) % band;
    const ip = SERVICE_CIDR.base + STATIC_BAND + 1 + offset;
    this.ips.set(ip, key);
    return ip;
  }

  private claimNodePort(key: string, requested: number | undefined, index: number): number | ServiceRefusal {
    if (requested !== undefined) {
      if (this.nodePorts.has(requested)) return { kind: 'node-port-taken', index, port: requested };
      this.nodePorts.set(requested, key);
      return requested;
    }
    const low = NODE_PORT_RANGE.min + NODE_PORT_STATIC;
    const band = NODE_PORT_RANGE.max - low + 1;
    let offset = fnv1a(`${this.seed}/${key}/${index}`) % band;
    while (this.nodePorts.has(low + offset)) offset = (offset + 1) % band;
    this.nodePorts.set(low + offset, key);
    return low + offset;
  }

  remove(namespace: string, name: string): boolean {
    const key = `${namespace}/${name}`;
    const record = this.records.get(key);
    if (record === undefined) return false;
    this.release(key, record);
    return true;
  }

  get(namespace: string, name: string): ServiceRecord | undefined {
    return this.records.get(`${namespace}/${name}`);
  }

  /** Every Service, by namespace then name (kubectl's order). */
  list(): ServiceRecord[] {
    return [...this.records.values()].sort((a, b) => byNamespacedName(a.spec, b.spec));
  }

  byClusterIp(ip: Ipv4): ServiceRecord | undefined {
    const key = this.ips.get(ip);
    return key === undefined ? undefined : this.records.get(key);
  }

  byNodePort(port: number): ServiceRecord | undefined {
    const key = this.nodePorts.get(port);
    return key === undefined ? undefined : this.records.get(key);
  }

  /** Services that list `ip` among their externalIPs. */
  byExternalIp(ip: Ipv4): readonly ServiceRecord[] {
    if (this.externalIps === undefined) {
      this.externalIps = new Map();
      for (const record of this.records.values())
        for (const external of new Set(record.spec.externalIPs)) {
          const list = this.externalIps.get(external);
          if (list === undefined) this.externalIps.set(external, [record]);
          else list.push(record);
        }
    }
    return this.externalIps.get(ip) ?? [];
  }
}
