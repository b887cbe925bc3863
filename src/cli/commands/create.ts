/**
 * `create -f`, `apply -f` and `delete -f`: Pods, Services, ReplicationControllers, ReplicaSets and
 * Deployments from a manifest file, with kubectl's lines (`deployment.apps/web created`,
 * `... configured`, `... unchanged`) and refusals (AlreadyExists, taken addresses and node ports,
 * immutable selectors, Pod updates).
 */
import { resolve } from 'node:path';
import { buildCluster, type Cluster } from '../../core/cluster/index.js';
import { formatIpv4 } from '../../core/net/index.js';
import type { PodSpec, ServiceSpec, WorkloadSpec } from '../../core/topology/model.js';
import { resolveManifest, SUBMITTABLE_KINDS, type SubmittedObject } from '../../core/topology/resolve.js';
import { RESOURCE_KINDS } from '../../core/topology/schema.js';
import type { LocatedMessage } from '../../io/located.js';
import { SourceTable } from '../../io/sources.js';
import { loadManifests } from '../../io/topology-file.js';
import type { JournalEntry } from '../../io/workspace.js';
import { changeWorkspace, displayPath, type GlobalOptions } from '../context.js';
import { CommandFailure, InputProblems } from '../errors.js';
import type { CliIo } from '../io.js';
import { deletePolicyObject, submitPolicyObject } from './create-policy.js';
import { RESOURCES } from './resources.js';

interface ReadManifest {
  readonly raw: Record<string, unknown>;
  readonly object: SubmittedObject;
}

/** Every document of the file resolved, or every problem of all of them, located. */
export function readManifests(io: CliIo, options: GlobalOptions, file: string, cluster: Cluster): ReadManifest[] {
  const sources = new SourceTable();
  const path = resolve(io.cwd, file);
  const loaded = loadManifests(path, io.fs, sources, { beyondLimits: options.beyondLimits === true });
  const shown = (problems: readonly LocatedMessage[]) => problems.map((p) => ({ ...p, file: displayPath(io, p.file) }));
  if (!loaded.ok) throw new InputProblems(shown(loaded.problems));
  const manifests: ReadManifest[] = [];
  const problems: LocatedMessage[] = [];
  for (const doc of loaded.documents) {
    const kind = (doc.value as { kind?: unknown } | null)?.kind;
    if (!SUBMITTABLE_KINDS.includes(kind as (typeof SUBMITTABLE_KINDS)[number])) {
      problems.push(
        sources.locatePath(
          doc.source,
          ['kind'],
          'document',
          RESOURCE_KINDS.includes(kind as (typeof RESOURCE_KINDS)[number])
            ? `podnet create handles ${SUBMITTABLE_KINDS.join(', ')}; put ${String(kind)} in the topology file`
            : `podnet create handles ${SUBMITTABLE_KINDS.join(', ')}; podnet does not model ${String(kind ?? 'this resource')} objects`,
        ),
      );
      continue;
    }
    const resolved = resolveManifest(doc.value, doc.source, cluster.topology);
    if (!resolved.ok) problems.push(...resolved.issues.map((issue) => sources.locate(issue)));
    else manifests.push({ raw: doc.value as Record<string, unknown>, object: resolved.object });
  }
  if (problems.length > 0) throw new InputProblems(shown(problems));
  if (manifests.length === 0)
    throw new CommandFailure(`error: no objects passed to create (${file} has no documents)`, 1);
  return manifests;
}

interface Outcome {
  readonly entry?: JournalEntry;
  readonly said?: string;
  readonly error?: string;
}

/** `create` refuses objects that exist; `apply` leaves identical ones and updates controllers. */
export function createObjects(io: CliIo, options: GlobalOptions, file: string, mode: 'create' | 'apply'): number {
  return changeWorkspace(io, options, mode, (workspace, at, say) => {
    const cluster = buildCluster(workspace.topology, workspace.ops(), at);
    const shownFile = displayPath(io, resolve(io.cwd, file));
    const entries: JournalEntry[] = [];
    const errors: string[] = [];
    for (const { raw, object } of readManifests(io, options, file, cluster)) {
      const submit = { at, file: shownFile, manifest: raw };
      const outcome =
        object.kind === 'Pod'
          ? submitPod(cluster, object.pod, mode, file, submit)
          : object.kind === 'Service'
            ? submitService(cluster, object.service, mode, file, submit)
            : object.kind === 'workload'
              ? submitWorkload(cluster, object.workload, mode, file, submit)
              : submitPolicyObject(cluster, object, mode, file, submit, sameSpec);
      if (outcome.said !== undefined) say(outcome.said);
      if (outcome.error !== undefined) errors.push(outcome.error);
      if (outcome.entry !== undefined) entries.push(outcome.entry);
    }
    return { entries, errors };
  });
}

type Submission = { at: number; file: string; manifest: Record<string, unknown> };

function submitPod(
  cluster: Cluster,
  pod: PodSpec,
  mode: 'create' | 'apply',
  file: string,
  submit: Submission,
): Outcome {
  const existing = cluster.pod(pod.namespace, pod.name);
  if (existing === undefined) {
    const result = cluster.apply({ kind: 'create', at: submit.at, pod });
    if (!result.ok) throw new Error(`create of a new pod refused: ${result.error.kind}`);
    return { entry: { op: 'create', ...submit }, said: `pod/${pod.name} created\n` };
  }
  if (mode === 'create')
    return {
      error: `Error from server (AlreadyExists): error when creating "${file}": pods "${pod.name}" already exists`,
    };
  if (sameSpec(existing.spec, pod)) return { said: `pod/${pod.name} unchanged\n` };
  return {
    error:
      `The Pod "${pod.name}" is invalid: spec: Forbidden: pod updates may not change fields other than ` +
      '`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` ' +
      '(only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
  };
}

function submitWorkload(
  cluster: Cluster,
  workload: WorkloadSpec,
  mode: 'create' | 'apply',
  file: string,
  submit: Submission,
): Outcome {
  const names = RESOURCES[workload.kind];
  const existing = cluster.workloads.specOf(workload.kind, workload.namespace, workload.name);
  const put = (op: 'create' | 'apply', verb: string): Outcome => {
    cluster.apply({ kind: 'workload', at: submit.at, workload });
    return { entry: { op, ...submit }, said: `${names.singular}/${workload.name} ${verb}\n` };
  };
  if (existing === undefined) return put('create', 'created');
  if (mode === 'create')
    return {
      error: `Error from server (AlreadyExists): error when creating "${file}": ${names.plural} "${workload.name}" already exists`,
    };
  if (sameSpec(existing, workload)) return { said: `${names.singular}/${workload.name} unchanged\n` };
  if (workload.kind !== 'ReplicationController' && existing.selectorText !== workload.selectorText)
    return {
      error: `The ${workload.kind} "${workload.name}" is invalid: spec.selector: Invalid value: "${workload.selectorText}": field is immutable`,
    };
  return put('apply', 'configured');
}

function submitService(
  cluster: Cluster,
  service: ServiceSpec,
  mode: 'create' | 'apply',
  file: string,
  submit: Submission,
): Outcome {
  const existing = cluster.services.get(service.namespace, service.name);
  if (existing !== undefined && mode === 'create')
    return {
      error: `Error from server (AlreadyExists): error when creating "${file}": services "${service.name}" already exists`,
    };
  if (existing !== undefined && sameSpec(existing.spec, service))
    return { said: `service/${service.name} unchanged\n` };
  const put = cluster.services.put(service, submit.at);
  if ('kind' in put) {
    const invalid = `The Service "${service.name}" is invalid: `;
    return {
      error:
        put.kind === 'ip-taken'
          ? `${invalid}spec.clusterIPs: Invalid value: []string{"${formatIpv4(put.ip)}"}: failed to allocate IP ${formatIpv4(put.ip)}: provided IP is already allocated`
          : `${invalid}spec.ports[${put.index}].nodePort: Invalid value: ${put.port}: provided port is already allocated`,
    };
  }
  const op = existing === undefined ? 'create' : 'apply';
  return {
    entry: { op, ...submit },
    said: `service/${service.name} ${existing === undefined ? 'created' : 'configured'}\n`,
  };
}

/** Two specs equal but for where they were written. */
function sameSpec(a: object, b: object): boolean {
  const strip = (value: unknown): unknown =>
    JSON.stringify(value, (key, inner) => (key === 'origin' ? undefined : inner));
  return strip(a) === strip(b);
}

/** `delete -f FILE`: every object the file names, pods and controllers alike. */
export function deleteFromFile(io: CliIo, options: GlobalOptions, file: string): number {
  return changeWorkspace(io, options, 'delete', (workspace, at, say) => {
    const cluster = buildCluster(workspace.topology, workspace.ops(), at);
    const entries: JournalEntry[] = [];
    const errors: string[] = [];
    for (const { object } of readManifests(io, options, file, cluster)) {
      if (object.kind !== 'Pod' && object.kind !== 'Service' && object.kind !== 'workload') {
        const outcome = deletePolicyObject(cluster, object, file, at);
        if (outcome.said !== undefined) say(outcome.said);
        if (outcome.error !== undefined) errors.push(outcome.error);
        if (outcome.entry !== undefined) entries.push(outcome.entry);
        continue;
      }
      const { namespace, name } =
        object.kind === 'Pod' ? object.pod : object.kind === 'Service' ? object.service : object.workload;
      const kind = object.kind === 'Pod' ? undefined : object.kind === 'Service' ? 'Service' : object.workload.kind;
      const names = RESOURCES[kind ?? 'pods'];
      const exists =
        kind === undefined
          ? cluster.pod(namespace, name) !== undefined
          : kind === 'Service'
            ? cluster.services.get(namespace, name) !== undefined
            : cluster.workloads.specOf(kind, namespace, name) !== undefined;
      if (!exists) {
        errors.push(`Error from server (NotFound): error when deleting "${file}": ${names.plural} "${name}" not found`);
        continue;
      }
      cluster.apply(
        kind === undefined
          ? { kind: 'delete', at, namespace, name }
          : kind === 'Service'
            ? { kind: 'service-delete', at, namespace, name }
            : { kind: 'workload-delete', at, workload: kind, namespace, name },
      );
      entries.push({ op: 'delete', at, ...(kind === undefined ? {} : { kind }), namespace, name });
      say(`${names.singular} "${name}" deleted\n`);
    }
    return { entries, errors };
  });
}
