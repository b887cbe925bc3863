/**
 * A Service's endpoints, as the EndpointSlice controller would publish them at a moment: the pods
 * in its namespace that its selector picks and that have an address, each with the port its
 * targetPort names, and the conditions kube-proxy reads: ready (Ready and not terminating, or any
 * pod when publishNotReadyAddresses), serving (Ready), terminating (being deleted). The kubernetes
 * Service's endpoints are the control-plane nodes' API servers on 6443, as kube-apiserver writes
 * them. Endpoints are in "ip:port" order, as kube-proxy writes its rules.
 */
import type { Ipv4 } from '../net/index.js';
import { formatIpv4 } from '../net/index.js';
import { byCodeUnit } from '../order.js';
import type { ServicePortSpec } from '../topology/model.js';
import type { Cluster, PodRecord } from './index.js';
import type { ServiceRecord } from './services.js';

export interface Endpoint {
  readonly ip: Ipv4;
  readonly port: number;
  /** The pod behind it; none for the API server's endpoints. */
  readonly pod?: PodRecord;
  readonly nodeName?: string;
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
}

/** The pod's port a Service port's targetPort names: a number, or a container port's name. */
export function targetPortOf(pod: PodRecord, port: ServicePortSpec): number | undefined {
  if (typeof port.targetPort === 'number') return port.targetPort;
  for (const container of pod.spec.containers)
    for (const p of container.ports) if (p.name === port.targetPort && p.protocol === port.protocol) return p.port;
  return undefined;
}

function selected(record: ServiceRecord, pod: PodRecord): boolean {
  const { selector, namespace } = record.spec;
  if (selector === undefined || pod.spec.namespace !== namespace) return false;
  return Object.entries(selector).every(([key, value]) => pod.spec.labels[key] === value);
}

function apiServers(cluster: Cluster, port: ServicePortSpec): Endpoint[] {
  return cluster
    .nodes()
    .filter(({ node }) => node.role === 'control-plane')
    .map(({ node }) => ({
      ip: node.ip,
      port: typeof port.targetPort === 'number' ? port.targetPort : 6443,
      nodeName: node.name,
      ready: true,
      serving: true,
      terminating: false,
    }));
}

export function endpointsOf(cluster: Cluster, record: ServiceRecord, portIndex: number, now: number): Endpoint[] {
  const port = record.spec.ports[portIndex];
  if (port === undefined) return [];
  if (record.builtin && record.spec.selector === undefined) return apiServers(cluster, port);
  const endpoints = [...cluster.unorderedPods()].flatMap((pod): Endpoint[] => {
    if (pod.podIp === undefined || pod.nodeName === undefined || !selected(record, pod)) return [];
    const target = targetPortOf(pod, port);
    if (target === undefined) return [];
    const status = cluster.statusAt(pod, now);
    const serving = status.conditions.some((c) => c.type === 'Ready' && c.status === 'True');
    const terminating = status.deletionTimestamp !== undefined;
    const ready = record.spec.publishNotReadyAddresses || (serving && !terminating);
    return [{ ip: pod.podIp, port: target, pod, nodeName: pod.nodeName, ready, serving, terminating }];
  });
  const text = (e: Endpoint) => `${formatIpv4(e.ip)}:${e.port}`;
  return endpoints.sort((a, b) => byCodeUnit(text(a), text(b)));
}
