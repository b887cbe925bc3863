/**
 * Checks on the cluster's objects, for grading the Kubernetes side of a lab: the pods a selector
 * picks (how many, on which node, their STATUS and readiness), a controller's ready replicas, a
 * node's Ready condition, each at the end of the run or at a moment the check names.
 */
import type { Simulation } from '../bgp/simulate.js';
import { endpointsOf } from '../cluster/endpoints.js';
import { buildCluster, type Cluster, type PodRecord } from '../cluster/index.js';
import { matches } from '../selector/index.js';
import type { NamedCheck } from '../topology/model.js';
import type { CheckResult } from './index.js';

type ClusterCheck = Extract<NamedCheck, { check: 'pods' | 'replicas' | 'node' | 'endpoints' }>;

function result(check: NamedCheck, expected: string, found: string, passed: boolean): CheckResult {
  return { name: check.name, check: check.check, passed, expected, found };
}

function isReady(cluster: Cluster, pod: PodRecord, now: number): boolean {
  return cluster.statusAt(pod, now).conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}

/** The cluster at the check's moment: the simulation's own, or the topology replayed to then. */
function clusterAt(sim: Simulation, at: number | undefined): { cluster: Cluster; now: number } {
  if (at === undefined || at === sim.until) return { cluster: sim.cluster, now: sim.until };
  return { cluster: buildCluster(sim.topology, [], at), now: at };
}

function counted(words: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const word of words) counts.set(word, (counts.get(word) ?? 0) + 1);
  return [...counts].map(([word, n]) => `${n} ${word}`).join(', ');
}

function podsCheck(sim: Simulation, check: Extract<ClusterCheck, { check: 'pods' }>): CheckResult {
  const { cluster, now } = clusterAt(sim, check.at);
  const [namespace, name] = check.pod?.includes('/') ? check.pod.split('/', 2) : ['default', check.pod];
  const picked = cluster
    .pods()
    .filter((p) =>
      check.selector !== undefined
        ? matches(check.selector, p.spec.labels)
        : p.spec.namespace === namespace && p.spec.name === name,
    )
    .filter((p) => check.node === undefined || p.nodeName === check.node);
  const which = `${check.selectorText ?? check.pod}${check.node === undefined ? '' : ` on ${check.node}`}`;
  const statuses = picked.map((p) => cluster.statusAt(p, now).display);
  const readiness = picked.map((p) => (isReady(cluster, p, now) ? 'ready' : 'not ready'));
  const expected = [
    `${check.count ?? 'some'} pods ${which}`,
    ...(check.status !== undefined ? [check.status] : []),
    ...(check.ready !== undefined ? [check.ready ? 'ready' : 'not ready'] : []),
  ].join(', ');
  const found =
    picked.length === 0
      ? `no pods ${which}`
      : [`${picked.length} pods ${which}`, counted(statuses), counted(readiness)].join(': ');
  const passed =
    (check.count === undefined ? picked.length > 0 : picked.length === check.count) &&
    (check.status === undefined || statuses.every((s) => s === check.status)) &&
    (check.ready === undefined || readiness.every((r) => (r === 'ready') === check.ready));
  return result(check, expected, found, passed);
}

function replicasCheck(sim: Simulation, check: Extract<ClusterCheck, { check: 'replicas' }>): CheckResult {
  const { cluster, now } = clusterAt(sim, check.at);
  const workloads = cluster.workloads;
  const deployment = check.kind === 'Deployment' ? workloads.deployment('default', check.controller) : undefined;
  const sets =
    check.kind === 'Deployment'
      ? deployment === undefined
        ? undefined
        : workloads.setsOf(deployment)
      : [workloads.replicaSet(check.kind, 'default', check.controller)].filter((s) => s !== undefined);
  const expected = `${check.ready} ready replicas`;
  if (sets === undefined || sets.length === 0)
    return result(check, expected, `no ${check.kind} ${check.controller}`, false);
  const ready = sets.flatMap((set) => workloads.active(set)).filter((p) => isReady(cluster, p, now)).length;
  return result(check, expected, `${ready} ready replicas`, ready === check.ready);
}

function nodeCheck(sim: Simulation, check: Extract<ClusterCheck, { check: 'node' }>): CheckResult {
  const { cluster, now } = clusterAt(sim, check.at);
  const status = (ready: boolean) => `${check.node} ${ready ? 'Ready' : 'NotReady'}`;
  const ready = cluster.nodeReadyAt(check.node, now).ready;
  return result(check, status(check.ready), status(ready), ready === check.ready);
}

function endpointsCheck(sim: Simulation, check: Extract<ClusterCheck, { check: 'endpoints' }>): CheckResult {
  const { cluster, now } = clusterAt(sim, check.at);
  const [namespace, name] = check.service.includes('/') ? check.service.split('/', 2) : ['default', check.service];
  const record = cluster.services.get(namespace as string, name as string);
  const expected = `${check.ready} ready endpoints`;
  if (record === undefined) return result(check, expected, `no Service ${check.service}`, false);
  const ready = new Set(
    record.spec.ports.flatMap((_, i) =>
      endpointsOf(cluster, record, i, now)
        .filter((e) => e.ready)
        .map((e) => e.ip),
    ),
  ).size;
  return result(check, expected, `${ready} ready endpoints`, ready === check.ready);
}

export function evaluateClusterCheck(sim: Simulation, check: ClusterCheck): CheckResult {
  if (check.check === 'endpoints') return endpointsCheck(sim, check);
  if (check.check === 'pods') return podsCheck(sim, check);
  if (check.check === 'replicas') return replicasCheck(sim, check);
  return nodeCheck(sim, check);
}
