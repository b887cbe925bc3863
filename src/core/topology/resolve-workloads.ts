/**
 * ReplicationControllers, ReplicaSets and Deployments as the API server admits them: selectors
 * defaulted and checked against the template's labels, replicas at least 0, a template whose pods
 * restart Always, rollout parameters that make sense. Each refusal is kubectl's text, located at
 * the field it names. Also the pods each controller starts with, named as its controller names
 * them, so a topology's workloads are running at time 0 like its bare pods.
 */

import { type Labels, matches } from '../selector/index.js';
import type { IssueSink } from './issue-sink.js';
import { type Requirement, requirementsOf, selectorOf, selectorText } from './label-requirements.js';
import type { ClusterNode, IntOrPercent, Origin, PodSpec, RolloutStrategy, WorkloadSpec } from './model.js';
import { generatedPodName, templateHash } from './names.js';
import { resolvePod } from './resolve-pods.js';
import type * as s from './schema.js';

const DEFAULT_SURGE: IntOrPercent = { percent: 25 };
const DEFAULT_UNAVAILABLE: IntOrPercent = { percent: 25 };
const DEFAULT_HISTORY_LIMIT = 10;

/** Go's %#v of a map[string]string, as the API server prints an invalid label map. */
function goMap(labels: Labels): string {
  const entries = Object.keys(labels)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${JSON.stringify(labels[key])}`);
  return `map[string]string{${entries.join(', ')}}`;
}

function workloadRequirements(manifest: s.WorkloadManifest, templateLabels: Labels): Requirement[] | undefined {
  if (manifest.kind === 'ReplicationController') {
    const selector = manifest.spec.selector ?? templateLabels;
    return requirementsOf({ matchLabels: selector });
  }
  const selector = manifest.spec.selector;
  return selector === undefined ? undefined : requirementsOf(selector);
}

function intOrPercent(value: number | string | undefined, fallback: IntOrPercent): IntOrPercent {
  if (value === undefined) return fallback;
  return typeof value === 'number' ? { count: value } : { percent: Number(value.slice(0, -1)) };
}

function strategyOf(manifest: s.WorkloadManifest, invalid: (path: (string | number)[], message: string) => void) {
  if (manifest.kind !== 'Deployment')
    return { type: 'RollingUpdate', maxSurge: DEFAULT_SURGE, maxUnavailable: DEFAULT_UNAVAILABLE } as const;
  const written = manifest.spec.strategy;
  if (written?.type === 'Recreate') {
    if (written.rollingUpdate !== undefined)
      invalid(
        ['spec', 'strategy', 'rollingUpdate'],
        "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'",
      );
    return { type: 'Recreate' } as const;
  }
  const maxSurge = intOrPercent(written?.rollingUpdate?.maxSurge, DEFAULT_SURGE);
  const maxUnavailable = intOrPercent(written?.rollingUpdate?.maxUnavailable, DEFAULT_UNAVAILABLE);
  const zero = (v: IntOrPercent) => ('count' in v ? v.count : v.percent) === 0;
  if (zero(maxSurge) && zero(maxUnavailable))
    invalid(
      ['spec', 'strategy', 'rollingUpdate', 'maxUnavailable'],
      'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0',
    );
  if ('percent' in maxUnavailable && maxUnavailable.percent > 100)
    invalid(
      ['spec', 'strategy', 'rollingUpdate', 'maxUnavailable'],
      `spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "${maxUnavailable.percent}%": must not be greater than 100%`,
    );
  return { type: 'RollingUpdate', maxSurge, maxUnavailable } as const;
}

/** A controller manifest as the API server would admit it, or undefined with located issues. */
export function resolveWorkload(
  sink: IssueSink,
  manifest: s.WorkloadManifest,
  origin: Origin,
  nodes: readonly ClusterNode[],
): WorkloadSpec | undefined {
  const before = sink.issues.length;
  const { kind } = manifest;
  const { name } = manifest.metadata;
  const at = (path: (string | number)[]): Origin => ({ ...origin, path: [...origin.path, ...path] });
  const invalid = (path: (string | number)[], message: string) =>
    sink.report(at(path), 'invalid-value', `The ${kind} "${name}" is invalid: ${message}`);
  const templateLabels = manifest.spec.template.metadata?.labels ?? {};
  const replicas = manifest.spec.replicas ?? 1;
  if (replicas < 0)
    invalid(['spec', 'replicas'], `spec.replicas: Invalid value: ${replicas}: must be greater than or equal to 0`);
  const requirements = workloadRequirements(manifest, templateLabels);
  if (requirements === undefined) invalid(['spec'], 'spec.selector: Required value');
  else if (requirements.length === 0)
    invalid(
      ['spec', kind === 'ReplicationController' ? 'template' : 'selector'],
      kind === 'ReplicationController'
        ? 'spec.selector: Required value'
        : 'spec.selector: Invalid value: v1.LabelSelector{}: empty selector is invalid for deployment',
    );
  else if (!matches(selectorOf(requirements), templateLabels))
    invalid(
      manifest.spec.template.metadata?.labels === undefined
        ? ['spec', 'template']
        : ['spec', 'template', 'metadata', 'labels'],
      `spec.template.metadata.labels: Invalid value: ${goMap(templateLabels)}: \`selector\` does not match template \`labels\``,
    );
  const restartPolicy = manifest.spec.template.spec.restartPolicy;
  if (restartPolicy !== 'Always')
    invalid(
      ['spec', 'template', 'spec', 'restartPolicy'],
      `spec.template.spec.restartPolicy: Unsupported value: "${restartPolicy}": supported values: "Always"`,
    );
  const strategy: RolloutStrategy = strategyOf(manifest, invalid);
  const namespace = manifest.metadata.namespace ?? 'default';
  const templatePod: s.PodManifest = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: templateLabels, ...annotationsOf(manifest.spec.template.metadata) },
    spec: manifest.spec.template.spec,
  };
  const template = resolvePod(sink, templatePod, at(['spec', 'template']), nodes);
  if (template === undefined || requirements === undefined || sink.issues.length > before) return undefined;
  const labels = manifest.metadata.labels ?? (kind === 'ReplicationController' ? templateLabels : {});
  return {
    kind,
    namespace,
    name,
    labels,
    annotations: manifest.metadata.annotations ?? {},
    replicas,
    selector: selectorOf(requirements),
    selectorText: selectorText(requirements),
    template: { ...template, name: '' },
    templateHash: kind === 'Deployment' ? templateHash(name, manifest.spec.template) : '',
    strategy,
    minReadySeconds: manifest.spec.minReadySeconds ?? 0,
    revisionHistoryLimit:
      manifest.kind === 'Deployment'
        ? (manifest.spec.revisionHistoryLimit ?? DEFAULT_HISTORY_LIMIT)
        : DEFAULT_HISTORY_LIMIT,
    origin,
  };
}

function annotationsOf(metadata: { annotations?: Labels | undefined } | undefined): { annotations?: Labels } {
  return metadata?.annotations === undefined ? {} : { annotations: metadata.annotations };
}

/** The ReplicaSet a Deployment's current template runs as: `<name>-<pod-template-hash>`. */
export function replicaSetName(deployment: WorkloadSpec): string {
  return `${deployment.name}-${deployment.templateHash}`;
}

/**
 * The `index`-th pod a ReplicationController or ReplicaSet creates. `seed` names whose pod it is:
 * the controller's name, or `<deployment>/<hash>` for a Deployment's ReplicaSet.
 */
export function controllerPod(
  template: PodSpec,
  owner: { kind: 'ReplicationController' | 'ReplicaSet'; name: string; seed: string; hash?: string },
  index: number,
  taken: (name: string) => boolean,
): PodSpec {
  const labels = owner.hash === undefined ? template.labels : { ...template.labels, 'pod-template-hash': owner.hash };
  return {
    ...template,
    name: generatedPodName(owner.name, owner.seed, index, taken),
    labels,
    owner: { kind: owner.kind, name: owner.name },
  };
}

/** The pods a controller starts with, as its ReplicaSet (or itself) creates them at once. */
export function initialPods(workload: WorkloadSpec, taken: (name: string) => boolean): PodSpec[] {
  const owner =
    workload.kind === 'Deployment'
      ? {
          kind: 'ReplicaSet' as const,
          name: replicaSetName(workload),
          seed: `${workload.name}/${workload.templateHash}`,
          hash: workload.templateHash,
        }
      : { kind: workload.kind, name: workload.name, seed: workload.name };
  const pods: PodSpec[] = [];
  const names = new Set<string>();
  const isTaken = (name: string) => names.has(name) || taken(name);
  for (let i = 0; i < workload.replicas; i++) {
    const pod = controllerPod(workload.template, owner, i, isTaken);
    names.add(pod.name);
    pods.push(pod);
  }
  return pods;
}
