/**
 * One manifest as `podnet create -f` submits it, checked against a resolved topology: a Pod, a
 * Service, a controller (ReplicationController, ReplicaSet, Deployment), or a policy object
 * (NetworkPolicy of either API, GlobalNetworkPolicy, Namespace, Tier).
 */
import { IssueSink } from './issue-sink.js';
import type { Issue, PodSpec, ServiceSpec, Topology, WorkloadSpec } from './model.js';
import { isPolicyKind, POLICY_KINDS, type PolicyObject, resolvePolicyObject } from './policy-objects.js';
import { resolvePod } from './resolve-pods.js';
import { resolveService } from './resolve-services.js';
import { resolveWorkload } from './resolve-workloads.js';
import * as s from './schema.js';

/** Validates one Pod manifest (as `podnet create -f` reads it) against a resolved topology. */
export function resolvePodManifest(
  value: unknown,
  source: number,
  topology: Topology,
): { ok: true; pod: PodSpec } | { ok: false; issues: readonly Issue[] } {
  const resolver = new IssueSink();
  const manifest = resolver.parse(s.podManifest, value, source, []);
  const pod = manifest === undefined ? undefined : resolvePod(resolver, manifest, { source, path: [] }, topology.nodes);
  if (pod === undefined || resolver.issues.length > 0) return { ok: false, issues: resolver.issues };
  return { ok: true, pod };
}

/** An object `podnet create -f` or `apply -f` submits: a pod, or a controller. */
export type SubmittedObject =
  | { readonly kind: 'Pod'; readonly pod: PodSpec }
  | { readonly kind: 'Service'; readonly service: ServiceSpec }
  | { readonly kind: 'workload'; readonly workload: WorkloadSpec }
  | PolicyObject;

/** The kinds `create -f` accepts; the rest of a topology's kinds belong in the topology file. */
export const SUBMITTABLE_KINDS = [
  'Pod',
  'Service',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  ...POLICY_KINDS,
] as const;

/**
 * Validates one manifest as `create -f` reads it against a resolved topology: a Pod, a
 * ReplicationController, a ReplicaSet or a Deployment (the caller checks the kind first).
 */
export function resolveManifest(
  value: unknown,
  source: number,
  topology: Topology,
): { ok: true; object: SubmittedObject } | { ok: false; issues: readonly Issue[] } {
  const kind = (value as { kind?: unknown } | null)?.kind;
  if (kind === 'Pod') {
    const resolved = resolvePodManifest(value, source, topology);
    return resolved.ok ? { ok: true, object: { kind: 'Pod', pod: resolved.pod } } : resolved;
  }
  const resolver = new IssueSink();
  if (isPolicyKind(kind)) {
    const object = resolvePolicyObject(resolver, value as Record<string, unknown>, source);
    if (object === undefined || resolver.issues.length > 0) return { ok: false, issues: resolver.issues };
    return { ok: true, object };
  }
  if (kind === 'Service') {
    const manifest = resolver.parse(s.serviceManifest, value, source, []);
    const service = manifest === undefined ? undefined : resolveService(resolver, manifest, { source, path: [] });
    if (service === undefined || resolver.issues.length > 0) return { ok: false, issues: resolver.issues };
    return { ok: true, object: { kind: 'Service', service } };
  }
  const schema = s.WORKLOAD_SCHEMAS[kind as keyof typeof s.WORKLOAD_SCHEMAS];
  const manifest = schema === undefined ? undefined : resolver.parse(schema, value, source, []);
  const workload =
    manifest === undefined ? undefined : resolveWorkload(resolver, manifest, { source, path: [] }, topology.nodes);
  if (workload === undefined || resolver.issues.length > 0) return { ok: false, issues: resolver.issues };
  return { ok: true, object: { kind: 'workload', workload } };
}
