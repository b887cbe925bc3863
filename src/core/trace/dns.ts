/**
 * A name lookup as a pod's resolver makes it: a query to kube-dns (UDP 53), through kube-proxy, to
 * the CoreDNS pods that run. A topology that runs no CoreDNS has its names answered from the
 * cluster's records instead, and the lookup says so.
 */
import type { Simulation } from '../bgp/simulate.js';
import { endpointsOf } from '../cluster/endpoints.js';
import type { PodRecord } from '../cluster/index.js';
import type { ServiceRecord } from '../cluster/services.js';
import { podLabel } from './delivery.js';
import type { DnsLookup, Flow, Trace } from './types.js';

/** Whether the cluster runs CoreDNS: pods behind kube-dns, or a controller in kube-system that makes them. */
function runsCoreDns(sim: Simulation, kubeDns: ServiceRecord, now: number): boolean {
  if (endpointsOf(sim.cluster, kubeDns, 0, now).length > 0) return true;
  const selector = Object.entries(kubeDns.spec.selector ?? {});
  return sim.cluster.workloads
    .deploymentList()
    .some(
      (d) =>
        d.spec.namespace === 'kube-system' && selector.every(([key, value]) => d.spec.template.labels[key] === value),
    );
}

/** The lookup with who answered it, or how its query failed; `trace` follows the query. */
export function queried(
  sim: Simulation,
  now: number,
  pod: PodRecord,
  lookup: DnsLookup,
  trace: (flow: Flow) => Trace[],
): DnsLookup {
  const kubeDns = sim.cluster.services.get('kube-system', 'kube-dns');
  if (kubeDns === undefined || pod.podIp === undefined || lookup.answer === undefined) return lookup;
  if (!runsCoreDns(sim, kubeDns, now)) return lookup;
  const branches = trace({
    srcPod: podLabel(pod),
    src: pod.podIp,
    dst: lookup.server,
    protocol: 'UDP',
    port: 53,
    loopback: false,
  });
  const answered = branches.filter((t) => t.disposition.kind === 'ACCEPTED');
  const answeredBy = answered.map((t) => t.disposition.at);
  const queryPath = answered[0]?.hops.map((hop) => hop.node) ?? [];
  if (answeredBy.length > 0) return { ...lookup, answeredBy, queryPath };
  return { ...lookup, unanswered: branches.map((t) => `${t.disposition.kind} at ${t.disposition.at}`).join('; ') };
}
