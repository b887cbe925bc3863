/**
 * kubectl's layouts for the workload controllers: `get rc|rs|deploy` (plain and wide), their
 * `describe` pages with events, the objects of `-o json|yaml`, and `rollout status|history`.
 * Counts are what each controller's status would hold at the moment shown: CURRENT counts pods
 * not being deleted, READY those whose Ready condition is True, AVAILABLE those Ready for
 * minReadySeconds.
 */

import type { ControllerEvent, DeploymentState, ReplicaSetState } from '../../core/cluster/controllers.js';
import { rolloutBounds } from '../../core/cluster/controllers.js';
import type { Cluster, PodRecord } from '../../core/cluster/index.js';
import type { PodEvent } from '../../core/cluster/lifecycle.js';
import { byCodeUnit } from '../../core/order.js';
import type { Selector } from '../../core/selector/index.js';
import type { IntOrPercent, PodSpec } from '../../core/topology/model.js';
import { describeEvents, formatLabels, type Moment } from './kubectl.js';
import { KUBECTL_DESCRIBE, kubectlTable, tabwrite } from './tabwriter.js';
import { humanDuration, rfc1123z, rfc3339 } from './time.js';

export interface SetCounts {
  readonly current: number;
  readonly ready: number;
  readonly available: number;
  readonly running: number;
  readonly waiting: number;
}

function isReady(cluster: Cluster, pod: PodRecord, now: number): boolean {
  return cluster.statusAt(pod, now).conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}

export function setCounts(cluster: Cluster, set: ReplicaSetState, now: number): SetCounts {
  const active = cluster.workloads.active(set);
  const phases = active.map((pod) => cluster.statusAt(pod, now).phase);
  return {
    current: active.length,
    ready: active.filter((pod) => isReady(cluster, pod, now)).length,
    available: cluster.workloads.available(set, now),
    running: phases.filter((p) => p === 'Running').length,
    waiting: phases.filter((p) => p === 'Pending').length,
  };
}

export interface DeploymentCounts {
  readonly total: number;
  readonly updated: number;
  readonly ready: number;
  readonly available: number;
  readonly newSet?: ReplicaSetState;
  readonly oldSets: readonly ReplicaSetState[];
}

export function deploymentCounts(cluster: Cluster, deployment: DeploymentState, now: number): DeploymentCounts {
  const sets = cluster.workloads.setsOf(deployment);
  const newSet = sets.find((set) => set.hash === deployment.spec.templateHash);
  const counts = sets.map((set) => setCounts(cluster, set, now));
  const sum = (pick: (c: SetCounts) => number) => counts.reduce((total, c) => total + pick(c), 0);
  return {
    total: sum((c) => c.current),
    updated: newSet === undefined ? 0 : setCounts(cluster, newSet, now).current,
    ready: sum((c) => c.ready),
    available: sum((c) => c.available),
    ...(newSet === undefined ? {} : { newSet }),
    oldSets: sets.filter((set) => set !== newSet),
  };
}

function wideCells(template: PodSpec, selector: string): string[] {
  return [
    template.containers.map((c) => c.name).join(','),
    template.containers.map((c) => c.image).join(','),
    selector,
  ];
}

export function getReplicaSets(
  cluster: Cluster,
  sets: readonly ReplicaSetState[],
  moment: Moment,
  options: { wide: boolean; showLabels: boolean; prefix?: string },
): string {
  const header = [
    'NAME',
    'DESIRED',
    'CURRENT',
    'READY',
    'AGE',
    ...(options.wide ? ['CONTAINERS', 'IMAGES', 'SELECTOR'] : []),
    ...(options.showLabels ? ['LABELS'] : []),
  ];
  const rows = sets.map((set) => {
    const counts = setCounts(cluster, set, moment.now);
    return [
      `${options.prefix ?? ''}${set.name}`,
      String(set.replicas),
      String(counts.current),
      String(counts.ready),
      humanDuration(moment.now - set.createdAt),
      ...(options.wide ? wideCells(set.template, set.selectorText) : []),
      ...(options.showLabels ? [formatLabels(set.labels)] : []),
    ];
  });
  return kubectlTable(header, rows);
}

export function getDeployments(
  cluster: Cluster,
  deployments: readonly DeploymentState[],
  moment: Moment,
  options: { wide: boolean; showLabels: boolean; prefix?: string },
): string {
  const header = [
    'NAME',
    'READY',
    'UP-TO-DATE',
    'AVAILABLE',
    'AGE',
    ...(options.wide ? ['CONTAINERS', 'IMAGES', 'SELECTOR'] : []),
    ...(options.showLabels ? ['LABELS'] : []),
  ];
  const rows = deployments.map((deployment) => {
    const { spec } = deployment;
    const counts = deploymentCounts(cluster, deployment, moment.now);
    return [
      `${options.prefix ?? ''}${spec.name}`,
      `${counts.ready}/${spec.replicas}`,
      String(counts.updated),
      String(counts.available),
      humanDuration(moment.now - deployment.createdAt),
      ...(options.wide ? wideCells(spec.template, spec.selectorText) : []),
      ...(options.showLabels ? [formatLabels(spec.labels)] : []),
    ];
  });
  return kubectlTable(header, rows);
}

/** Controller events as describe lists them: repeats of one message folded into a count. */
function folded(events: readonly ControllerEvent[]): PodEvent[] {
  const byMessage = new Map<string, PodEvent>();
  for (const e of events) {
    const key = `${e.type}\u0000${e.reason}\u0000${e.message}`;
    const seen = byMessage.get(key);
    byMessage.set(
      key,
      seen === undefined
        ? { type: e.type, reason: e.reason, from: e.from, message: e.message, first: e.at, last: e.at, count: 1 }
        : { ...seen, last: e.at, count: seen.count + 1 },
    );
  }
  return [...byMessage.values()];
}

function keyValues(entries: Readonly<Record<string, string>>, separator: string): string[] {
  const pairs = Object.entries(entries).sort(([a], [b]) => byCodeUnit(a, b));
  return pairs.length === 0 ? ['<none>'] : pairs.map(([k, v]) => `${k}${separator}${v}`);
}

function indented(key: string, values: readonly string[], indent = ''): string[] {
  return values.map((value, i) => (i === 0 ? `${indent}${key}\t${value}` : `${indent}\t${value}`));
}

/** The "Pod Template:" section every controller's describe page has. */
function podTemplateLines(template: PodSpec, labels: Readonly<Record<string, string>>): string[] {
  return [
    'Pod Template:',
    ...indented('Labels:', keyValues(labels, '='), '  '),
    '  Containers:',
    ...template.containers.flatMap((c) => {
      const port = c.ports[0];
      return [
        `   ${c.name}:`,
        `    Image:\t${c.image}`,
        `    Port:\t${port ? `${port.port}/${port.protocol}` : '<none>'}`,
        `    Host Port:\t${port ? `${port.hostPort ?? 0}/${port.protocol}` : '<none>'}`,
        ...(c.command ? ['    Command:', ...c.command.map((w) => `      ${w}`)] : []),
        ...(c.args ? ['    Args:', ...c.args.map((w) => `      ${w}`)] : []),
        '    Environment:\t<none>',
        '    Mounts:\t<none>',
      ];
    }),
    '  Volumes:\t<none>',
    `  Node-Selectors:\t${keyValues(template.nodeSelector, '=').join(',')}`,
    `  Tolerations:\t${template.tolerations.length === 0 ? '<none>' : template.tolerations.map((t) => `${t.key ?? ''}:${t.effect ?? ''}`).join(', ')}`,
  ];
}

export function describeReplicaSet(cluster: Cluster, set: ReplicaSetState, moment: Moment): string {
  const counts = setCounts(cluster, set, moment.now);
  const annotations =
    set.deployment === undefined
      ? {}
      : {
          'deployment.kubernetes.io/desired-replicas': String(deploymentOf(cluster, set)?.spec.replicas ?? 0),
          'deployment.kubernetes.io/max-replicas': String(maxReplicas(cluster, set)),
          'deployment.kubernetes.io/revision': String(set.revision),
        };
  const lines = [
    `Name:\t${set.name}`,
    `Namespace:\t${set.namespace}`,
    `Selector:\t${set.selectorText}`,
    ...indented('Labels:', keyValues(set.labels, '=')),
    ...indented('Annotations:', keyValues(annotations, ': ')),
    ...(set.deployment === undefined ? [] : [`Controlled By:\tDeployment/${set.deployment}`]),
    `Replicas:\t${counts.current} current / ${set.replicas} desired`,
    `Pods Status:\t${counts.running} Running / ${counts.waiting} Waiting / 0 Succeeded / 0 Failed`,
    ...podTemplateLines(set.template, set.hash === undefined ? set.template.labels : set.labels),
  ];
  return `${tabwrite(lines.join('\n'), KUBECTL_DESCRIBE)}\n${describeEvents(folded(cluster.workloads.eventsOf(set)), moment.now)}`;
}

function deploymentOf(cluster: Cluster, set: ReplicaSetState): DeploymentState | undefined {
  return set.deployment === undefined ? undefined : cluster.workloads.deployment(set.namespace, set.deployment);
}

function maxReplicas(cluster: Cluster, set: ReplicaSetState): number {
  const deployment = deploymentOf(cluster, set);
  if (deployment === undefined) return set.replicas;
  return deployment.spec.replicas + rolloutBounds(deployment.spec.strategy, deployment.spec.replicas).surge;
}

function intOrPercentText(value: IntOrPercent): string {
  return 'count' in value ? String(value.count) : `${value.percent}%`;
}

/** The conditions a Deployment's status carries, from its counts. */
export function deploymentConditions(
  deployment: DeploymentState,
  counts: DeploymentCounts,
): { type: string; status: 'True' | 'False'; reason: string; message: string }[] {
  const { spec } = deployment;
  const minimum = spec.replicas - rolloutBounds(spec.strategy, spec.replicas).unavailable;
  const available = counts.available >= minimum;
  const complete =
    counts.updated === spec.replicas && counts.total === spec.replicas && counts.available >= spec.replicas;
  const newName = counts.newSet?.name ?? spec.name;
  return [
    {
      type: 'Available',
      status: available ? 'True' : 'False',
      reason: available ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
      message: available ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.',
    },
    {
      type: 'Progressing',
      status: 'True',
      reason: complete ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated',
      message: complete
        ? `ReplicaSet "${newName}" has successfully progressed.`
        : `ReplicaSet "${newName}" is progressing.`,
    },
  ];
}

export function describeDeployment(cluster: Cluster, deployment: DeploymentState, moment: Moment): string {
  const { spec } = deployment;
  const counts = deploymentCounts(cluster, deployment, moment.now);
  const revision = counts.newSet?.revision ?? 0;
  const strategy =
    spec.strategy.type === 'RollingUpdate'
      ? [
          `RollingUpdateStrategy:\t${intOrPercentText(spec.strategy.maxUnavailable)} max unavailable, ${intOrPercentText(spec.strategy.maxSurge)} max surge`,
        ]
      : [];
  const setText = (set: ReplicaSetState) =>
    `${set.name} (${setCounts(cluster, set, moment.now).current}/${set.replicas} replicas created)`;
  const oldSets = counts.oldSets.filter((set) => set.replicas > 0 || cluster.workloads.active(set).length > 0);
  const lines = [
    `Name:\t${spec.name}`,
    `Namespace:\t${spec.namespace}`,
    `CreationTimestamp:\t${rfc1123z(moment.epochMs + deployment.createdAt * 1000)}`,
    ...indented('Labels:', keyValues(spec.labels, '=')),
    ...indented(
      'Annotations:',
      keyValues({ ...spec.annotations, 'deployment.kubernetes.io/revision': String(revision) }, ': '),
    ),
    `Selector:\t${spec.selectorText}`,
    `Replicas:\t${spec.replicas} desired | ${counts.updated} updated | ${counts.total} total | ${counts.available} available | ${Math.max(0, counts.total - counts.available)} unavailable`,
    `StrategyType:\t${spec.strategy.type}`,
    `MinReadySeconds:\t${spec.minReadySeconds}`,
    ...strategy,
    ...podTemplateLines(spec.template, spec.template.labels),
    'Conditions:',
    '  Type\tStatus\tReason',
    '  ----\t------\t------',
    ...deploymentConditions(deployment, counts).map((c) => `  ${c.type}\t${c.status}\t${c.reason}`),
    `OldReplicaSets:\t${oldSets.length === 0 ? '<none>' : oldSets.map(setText).join(', ')}`,
    `NewReplicaSet:\t${counts.newSet === undefined ? '<none>' : setText(counts.newSet)}`,
  ];
  return `${tabwrite(lines.join('\n'), KUBECTL_DESCRIBE)}\n${describeEvents(folded(deployment.events), moment.now)}`;
}

function templateObject(template: PodSpec, labels: Readonly<Record<string, string>>): object {
  return {
    metadata: { labels },
    spec: {
      containers: template.containers.map((c) => ({
        name: c.name,
        image: c.image,
        ...(c.ports.length > 0 ? { ports: c.ports.map((p) => ({ containerPort: p.port, protocol: p.protocol })) } : {}),
      })),
      restartPolicy: template.restartPolicy,
    },
  };
}

/** A LabelSelector object from the selector: single-value equalities as matchLabels, the rest as expressions. */
export function labelSelectorObject(selector: Selector): {
  matchLabels: Record<string, string>;
  matchExpressions?: object[];
} {
  const matchLabels: Record<string, string> = {};
  const matchExpressions: object[] = [];
  const walk = (term: Selector): void => {
    if (term.op === 'and') {
      walk(term.left);
      walk(term.right);
    } else if (term.op === 'eq') matchLabels[term.key] = term.value;
    else if (term.op === 'in' && term.values.length === 1) matchLabels[term.key] = term.values[0] as string;
    else if (term.op === 'in' || term.op === 'notin')
      matchExpressions.push({ key: term.key, operator: term.op === 'in' ? 'In' : 'NotIn', values: term.values });
    else if (term.op === 'has') matchExpressions.push({ key: term.key, operator: 'Exists' });
    else if (term.op === 'not' && term.inner.op === 'has')
      matchExpressions.push({ key: term.inner.key, operator: 'DoesNotExist' });
  };
  walk(selector);
  return { ...(matchExpressions.length > 0 ? { matchExpressions } : {}), matchLabels };
}

/** A ReplicationController or ReplicaSet as `-o json|yaml` shows it. */
export function replicaSetObject(cluster: Cluster, set: ReplicaSetState, moment: Moment): object {
  const counts = setCounts(cluster, set, moment.now);
  const deployment = deploymentOf(cluster, set);
  const rc = set.kind === 'ReplicationController';
  return {
    apiVersion: rc ? 'v1' : 'apps/v1',
    kind: set.kind,
    metadata: {
      name: set.name,
      namespace: set.namespace,
      uid: set.uid,
      creationTimestamp: rfc3339(moment.epochMs + set.createdAt * 1000),
      ...(Object.keys(set.labels).length > 0 ? { labels: set.labels } : {}),
      ...(deployment === undefined
        ? {}
        : {
            annotations: { 'deployment.kubernetes.io/revision': String(set.revision) },
            ownerReferences: [ownerReference('apps/v1', 'Deployment', deployment.spec.name, deployment.uid)],
          }),
    },
    spec: {
      replicas: set.replicas,
      selector: rc ? labelSelectorObject(set.selector).matchLabels : labelSelectorObject(set.selector),
      template: templateObject(set.template, set.hash === undefined ? set.template.labels : set.labels),
    },
    status: {
      replicas: counts.current,
      readyReplicas: counts.ready,
      availableReplicas: counts.available,
      fullyLabeledReplicas: counts.current,
    },
  };
}

export function deploymentObject(cluster: Cluster, deployment: DeploymentState, moment: Moment): object {
  const { spec } = deployment;
  const counts = deploymentCounts(cluster, deployment, moment.now);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: spec.name,
      namespace: spec.namespace,
      uid: deployment.uid,
      creationTimestamp: rfc3339(moment.epochMs + deployment.createdAt * 1000),
      ...(Object.keys(spec.labels).length > 0 ? { labels: spec.labels } : {}),
      annotations: { ...spec.annotations, 'deployment.kubernetes.io/revision': String(counts.newSet?.revision ?? 0) },
    },
    spec: {
      replicas: spec.replicas,
      selector: labelSelectorObject(spec.selector),
      strategy:
        spec.strategy.type === 'Recreate'
          ? { type: 'Recreate' }
          : {
              type: 'RollingUpdate',
              rollingUpdate: {
                maxSurge: intOrPercentText(spec.strategy.maxSurge),
                maxUnavailable: intOrPercentText(spec.strategy.maxUnavailable),
              },
            },
      minReadySeconds: spec.minReadySeconds,
      revisionHistoryLimit: spec.revisionHistoryLimit,
      template: templateObject(spec.template, spec.template.labels),
    },
    status: {
      replicas: counts.total,
      updatedReplicas: counts.updated,
      readyReplicas: counts.ready,
      availableReplicas: counts.available,
      unavailableReplicas: Math.max(0, counts.total - counts.available),
      conditions: deploymentConditions(deployment, counts),
    },
  };
}

export function ownerReference(apiVersion: string, kind: string, name: string, uid: string): object {
  return { apiVersion, kind, name, uid, controller: true, blockOwnerDeletion: true };
}

/** `kubectl rollout status` as it reads the Deployment at one moment (its --watch=false answer). */
export function rolloutStatus(
  cluster: Cluster,
  deployment: DeploymentState,
  now: number,
): { text: string; done: boolean } {
  const { spec } = deployment;
  const counts = deploymentCounts(cluster, deployment, now);
  const waiting = (what: string) => ({
    text: `Waiting for deployment "${spec.name}" rollout to finish: ${what}...\n`,
    done: false,
  });
  if (counts.updated < spec.replicas)
    return waiting(`${counts.updated} out of ${spec.replicas} new replicas have been updated`);
  if (counts.total > counts.updated)
    return waiting(`${counts.total - counts.updated} old replicas are pending termination`);
  const updatedAvailable = counts.newSet === undefined ? 0 : setCounts(cluster, counts.newSet, now).available;
  if (updatedAvailable < counts.updated)
    return waiting(`${updatedAvailable} of ${counts.updated} updated replicas are available`);
  return { text: `deployment "${spec.name}" successfully rolled out\n`, done: true };
}

/** `kubectl rollout history deploy/NAME`, with the trailing space kubectl leaves on its first line. */
export function rolloutHistory(cluster: Cluster, deployment: DeploymentState): string {
  const sets = cluster.workloads.setsOf(deployment).sort((a, b) => a.revision - b.revision);
  if (sets.length === 0) return 'No rollout history found.\n';
  const rows = ['REVISION\tCHANGE-CAUSE', ...sets.map((set) => `${set.revision}\t${set.changeCause ?? '<none>'}`)];
  return `deployment.apps/${deployment.spec.name} \n${tabwrite(rows.join('\n'), KUBECTL_DESCRIBE)}\n`;
}
