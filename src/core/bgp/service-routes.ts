/**
 * What a node originates into BIRD: a static blackhole per block affine to it, a kernel /32 per
 * address it borrowed from another node's block (both only for pools BGP carries, not VXLAN's),
 * and Calico's service advertisement (BIRD mode): each node not labelled
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
import type { PrefixTable } from './attributes.js';
import type { RouteSource } from './best-path.js';

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

/** The prefixes (interned) a node originates at a moment, each with its source. */
export function originations(
  cluster: Cluster,
  node: ClusterNode,
  prefixes: PrefixTable,
  now: number,
): Map<number, RouteSource> {
  const wanted = new Map<number, RouteSource>();
  for (const block of cluster.ipam.blocksOf(node.name))
    if (block.pool.vxlanMode === 'Never') wanted.set(prefixes.intern(block.cidr), 'static');
  for (const allocation of cluster.ipam.borrowedBy(node.name)) {
    const pool = cluster.ipam.blockContaining(allocation.ip)?.pool;
    if (pool?.vxlanMode === 'Never') wanted.set(prefixes.intern({ base: allocation.ip, len: 32 }), 'kernel');
  }
  for (const cidr of advertisedServices(cluster, node, now)) wanted.set(prefixes.intern(cidr), 'static');
  return wanted;
}
