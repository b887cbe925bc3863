/**
 * Calico's service advertisement (BIRD mode): each node not labelled
 * node.kubernetes.io/exclude-from-external-load-balancers originates every configured Service range
 * (serviceClusterIPs, serviceExternalIPs) as a blackhole static route, so an upstream router gets
 * them from every node and spreads the traffic (ECMP). A Service with externalTrafficPolicy Local
 * adds a /32 for its ClusterIP (and external IPs inside the ranges) from a node only while that
 * node holds a ready endpoint of it. Calico nodes never program these into their kernels.
 */

import { endpointsOf } from '../cluster/endpoints.js';
import type { Cluster } from '../cluster/index.js';
import { type Cidr, cidrContains } from '../net/index.js';
import type { ClusterNode } from '../topology/model.js';

const EXCLUDE_LABEL = 'node.kubernetes.io/exclude-from-external-load-balancers';

/** The Service ranges (from the BGP configuration) that hold `ip`. */
function rangeHolding(ranges: readonly Cidr[], ip: number): boolean {
  return ranges.some((range) => cidrContains(range, ip));
}

export function advertisedServices(cluster: Cluster, node: ClusterNode, now: number): Cidr[] {
  const { serviceClusterIPs, serviceExternalIPs } = cluster.topology.bgp;
  if ((serviceClusterIPs.length === 0 && serviceExternalIPs.length === 0) || node.labels[EXCLUDE_LABEL] === 'true')
    return [];
  const routes: Cidr[] = [...serviceClusterIPs, ...serviceExternalIPs];
  for (const record of cluster.services.list()) {
    if (record.spec.externalTrafficPolicy !== 'Local' || record.clusterIP === undefined) continue;
    const local = record.spec.ports.some((_, i) =>
      endpointsOf(cluster, record, i, now).some((e) => e.ready && e.nodeName === node.name),
    );
    if (!local) continue;
    if (rangeHolding(serviceClusterIPs, record.clusterIP)) routes.push({ base: record.clusterIP, len: 32 });
    for (const ip of record.spec.externalIPs)
      if (rangeHolding(serviceExternalIPs, ip)) routes.push({ base: ip, len: 32 });
  }
  return routes;
}

/** Whether a Calico node keeps a route out of its kernel: it lies in an advertised Service range. */
export function inServiceRange(ranges: readonly Cidr[], cidr: Cidr): boolean {
  return ranges.some((range) => cidrContains(range, cidr.base) && cidr.len >= range.len);
}
