/**
 * The workload controllers of kube-controller-manager: ReplicationController and ReplicaSet (one
 * reconcile, as upstream shares it) and Deployment (rolling update and recreate over ReplicaSets).
 *
 * Controllers are level-triggered: `reconcile(at)` brings every controller to its goal at that
 * moment, repeating until nothing changes, as the informers' quick re-syncs would. A pod that is
 * being deleted (Terminating) no longer counts, so it is replaced at once; too many pods are
 * deleted in the order upstream's ActivePodsWithRanks gives. A Deployment's rollout moves on when
 * new pods become available: the cluster wakes the controllers at those moments.
 * Invariants: a pod has at most one owner; a ReplicaSet of a Deployment is named
 * `<deployment>-<pod-template-hash>`; revisions only grow. Leaves out: adopting orphans whose labels
 * match, burst limits (500 per sync), progress deadlines, paused rollouts.
 */
import type { Labels, Selector } from '../selector/index.js';
import type { IntOrPercent, PodSpec, RolloutStrategy, WorkloadKind, WorkloadSpec } from '../topology/model.js';
import { controllerPod } from '../topology/resolve-workloads.js';
import type { PodRecord } from './index.js';
import { uuidFrom } from './pod.js';
import { deletionOrder } from './scale-down.js';

export interface ControllerEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly from: string;
  readonly message: string;
  readonly at: number;
}

export interface ReplicaSetState {
  readonly kind: 'ReplicationController' | 'ReplicaSet';
  readonly namespace: string;
  readonly name: string;
  labels: Labels;
  selector: Selector;
  selectorText: string;
  /** The template as written; a Deployment's ReplicaSet adds pod-template-hash to each pod. */
  template: PodSpec;
  readonly hash?: string;
  /** What its pods' generated names are derived from. */
  readonly seed: string;
  replicas: number;
  minReadySeconds: number;
  readonly createdAt: number;
  readonly uid: string;
  /** `kubernetes.io/change-cause` of the Deployment when this revision was made. */
  readonly changeCause?: string;
  /** The Deployment that owns it. */
  readonly deployment?: string;
  revision: number;
  /** How many pods it has created: the index of the next one's name. */
  created: number;
  readonly events: ControllerEvent[];
}

export interface DeploymentState {
  spec: WorkloadSpec;
  readonly createdAt: number;
  readonly uid: string;
  readonly events: ControllerEvent[];
}

/** What the controllers see of the pods, and what they may do to them. */
export interface PodAccess {
  /** Live pods the controller owns, Terminating ones included. */
  owned(owner: { kind: string; namespace: string; name: string }): readonly PodRecord[];
  terminating(pod: PodRecord): boolean;
  /** Since when the pod has been Ready, if it is Ready at `at`. */
  readySince(pod: PodRecord, at: number): number | undefined;
  /** When the pod first turns Ready, if it ever does. */
  firstReady(pod: PodRecord): number | undefined;
  restarts(pod: PodRecord, at: number): number;
  running(pod: PodRecord, at: number): boolean;
  exists(namespace: string, name: string): boolean;
  create(spec: PodSpec, at: number): PodRecord;
  remove(pod: PodRecord, at: number): void;
  /** Asks to be reconciled again at `at` (a pod becoming available). */
  wakeAt(at: number): void;
}

export function ownerKey(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

const MAX_PASSES = 64;

/** maxSurge rounds up, maxUnavailable down; both zero makes maxUnavailable 1. */
export function rolloutBounds(strategy: RolloutStrategy, replicas: number): { surge: number; unavailable: number } {
  if (strategy.type === 'Recreate') return { surge: 0, unavailable: replicas };
  const scaled = (value: IntOrPercent, round: (n: number) => number) =>
    'count' in value ? value.count : round((value.percent * replicas) / 100);
  const surge = scaled(strategy.maxSurge, Math.ceil);
  const unavailable = scaled(strategy.maxUnavailable, Math.floor);
  return surge === 0 && unavailable === 0 ? { surge, unavailable: 1 } : { surge, unavailable };
}

export class Workloads {
  private readonly sets = new Map<string, ReplicaSetState>();
  private readonly deployments = new Map<string, DeploymentState>();
  /** The spec last submitted for each ReplicationController and standalone ReplicaSet. */
  private readonly submitted = new Map<string, WorkloadSpec>();
  /** The sets the topology started with, whose starting pods are among `startingPods`. */
  private readonly adopted = new Set<ReplicaSetState>();

  constructor(
    private readonly pods: PodAccess,
    /** The topology's seed, which UIDs are derived from. */
    private readonly seed: number,
    /** The topology's pods, those of its controllers included. */
    private readonly startingPods: readonly PodSpec[],
  ) {}

  private uid(kind: string, namespace: string, name: string, at: number): string {
    return uuidFrom(`${this.seed}/uid/${kind}/${namespace}/${name}/${at}`);
  }

  /** A controller from the topology, whose starting pods already exist. */
  adopt(spec: WorkloadSpec): void {
    if (spec.kind === 'Deployment') {
      const deployment = { spec, createdAt: 0, uid: this.uid(spec.kind, spec.namespace, spec.name, 0), events: [] };
      this.deployments.set(`${spec.namespace}/${spec.name}`, deployment);
      const set = this.newReplicaSet(deployment, 0);
      set.replicas = spec.replicas;
      set.created = spec.replicas;
      this.adopted.add(set);
      if (spec.replicas > 0)
        this.event(deployment.events, 'ScalingReplicaSet', `Scaled up replica set ${set.name} to ${spec.replicas}`, 0);
      return;
    }
    const set = this.ownSet(spec, 0);
    set.created = spec.replicas;
    this.adopted.add(set);
  }

  /**
   * A set's events, oldest first. One the topology started with created its starting pods at 0;
   * their SuccessfulCreate events are derived here, when asked for, not stored for every pod.
   */
  eventsOf(set: ReplicaSetState): readonly ControllerEvent[] {
    if (!this.adopted.has(set)) return set.events;
    const starting = this.startingPods.filter(
      (pod) => pod.namespace === set.namespace && pod.owner?.kind === set.kind && pod.owner.name === set.name,
    );
    return [...starting.map((pod) => setEvent(set, 'SuccessfulCreate', `Created pod: ${pod.name}`, 0)), ...set.events];
  }

  /** The controller's spec as last submitted (a Deployment's, with any scale since). */
  specOf(kind: WorkloadKind, namespace: string, name: string): WorkloadSpec | undefined {
    if (kind === 'Deployment') return this.deployments.get(`${namespace}/${name}`)?.spec;
    const set = this.sets.get(ownerKey(kind, namespace, name));
    const spec = this.submitted.get(ownerKey(kind, namespace, name));
    return set === undefined || spec === undefined ? undefined : { ...spec, replicas: set.replicas };
  }

  /** `create -f` or `apply -f` of a controller: created, or its spec replaced. */
  put(spec: WorkloadSpec, at: number): void {
    if (spec.kind === 'Deployment') {
      const key = `${spec.namespace}/${spec.name}`;
      const existing = this.deployments.get(key);
      if (existing !== undefined) existing.spec = spec;
      else
        this.deployments.set(key, {
          spec,
          createdAt: at,
          uid: this.uid(spec.kind, spec.namespace, spec.name, at),
          events: [],
        });
      return;
    }
    const existing = this.sets.get(ownerKey(spec.kind, spec.namespace, spec.name));
    if (existing === undefined) {
      this.ownSet(spec, at);
      return;
    }
    this.submitted.set(ownerKey(spec.kind, spec.namespace, spec.name), spec);
    existing.labels = spec.labels;
    existing.template = spec.template;
    existing.replicas = spec.replicas;
    existing.minReadySeconds = spec.minReadySeconds;
  }

  private ownSet(spec: WorkloadSpec, at: number): ReplicaSetState {
    this.submitted.set(ownerKey(spec.kind, spec.namespace, spec.name), spec);
    const set: ReplicaSetState = {
      kind: spec.kind === 'ReplicationController' ? 'ReplicationController' : 'ReplicaSet',
      namespace: spec.namespace,
      name: spec.name,
      labels: spec.labels,
      selector: spec.selector,
      selectorText: spec.selectorText,
      template: spec.template,
      seed: spec.name,
      replicas: spec.replicas,
      minReadySeconds: spec.minReadySeconds,
      createdAt: at,
      uid: this.uid(spec.kind, spec.namespace, spec.name, at),
      revision: 0,
      created: 0,
      events: [],
    };
    this.sets.set(ownerKey(set.kind, set.namespace, set.name), set);
    return set;
  }

  /** Deletes a controller and, as the garbage collector does, everything it owns. */
  remove(kind: WorkloadKind, namespace: string, name: string, at: number): boolean {
    if (kind === 'Deployment') {
      const deployment = this.deployments.get(`${namespace}/${name}`);
      if (deployment === undefined) return false;
      this.deployments.delete(`${namespace}/${name}`);
      for (const set of this.setsOf(deployment)) this.removeSet(set, at);
      return true;
    }
    const set = this.sets.get(ownerKey(kind, namespace, name));
    if (set === undefined) return false;
    this.removeSet(set, at);
    return true;
  }

  private removeSet(set: ReplicaSetState, at: number): void {
    this.sets.delete(ownerKey(set.kind, set.namespace, set.name));
    for (const pod of this.pods.owned(set)) this.pods.remove(pod, at);
  }

  scale(kind: WorkloadKind, namespace: string, name: string, replicas: number): boolean {
    if (kind === 'Deployment') {
      const deployment = this.deployments.get(`${namespace}/${name}`);
      if (deployment !== undefined) deployment.spec = { ...deployment.spec, replicas };
      return deployment !== undefined;
    }
    const set = this.sets.get(ownerKey(kind, namespace, name));
    if (set !== undefined) set.replicas = replicas;
    return set !== undefined;
  }

  /** `rollout undo`: the Deployment takes the template of an earlier revision (default: the one before). */
  undo(namespace: string, name: string, revision: number | undefined): UndoResult {
    const deployment = this.deployments.get(`${namespace}/${name}`);
    if (deployment === undefined) return { kind: 'not-found' };
    const history = this.setsOf(deployment).sort((a, b) => b.revision - a.revision);
    const target = revision === undefined ? history[1] : history.find((set) => set.revision === revision);
    if (target === undefined)
      return revision === undefined ? { kind: 'no-history' } : { kind: 'no-revision', revision };
    if (target.hash === deployment.spec.templateHash) return { kind: 'skipped', revision: target.revision };
    deployment.spec = { ...deployment.spec, template: target.template, templateHash: target.hash as string };
    return { kind: 'rolled-back' };
  }

  replicaSet(kind: string, namespace: string, name: string): ReplicaSetState | undefined {
    return this.sets.get(ownerKey(kind, namespace, name));
  }

  replicaSets(): ReplicaSetState[] {
    return [...this.sets.values()];
  }

  deployment(namespace: string, name: string): DeploymentState | undefined {
    return this.deployments.get(`${namespace}/${name}`);
  }

  deploymentList(): DeploymentState[] {
    return [...this.deployments.values()];
  }

  /** The Deployment's ReplicaSets, oldest first. */
  setsOf(deployment: DeploymentState): ReplicaSetState[] {
    return [...this.sets.values()]
      .filter((set) => set.deployment === deployment.spec.name && set.namespace === deployment.spec.namespace)
      .sort((a, b) => a.createdAt - b.createdAt || a.revision - b.revision);
  }

  /** Every controller to its goal at `at`, until nothing changes. */
  reconcile(at: number): void {
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      let changed = false;
      for (const deployment of this.deployments.values()) changed = this.syncDeployment(deployment, at) || changed;
      for (const set of [...this.sets.values()]) changed = this.syncSet(set, at) || changed;
      if (!changed) return;
    }
  }

  /** Pods of the set that are not being deleted. */
  active(set: ReplicaSetState): PodRecord[] {
    return this.pods.owned(set).filter((pod) => !this.pods.terminating(pod));
  }

  available(set: ReplicaSetState, at: number): number {
    return this.active(set).filter((pod) => {
      const since = this.pods.readySince(pod, at);
      return since !== undefined && since + set.minReadySeconds <= at;
    }).length;
  }

  private syncSet(set: ReplicaSetState, at: number): boolean {
    const active = this.active(set);
    const missing = set.replicas - active.length;
    if (missing > 0) {
      const owner = { kind: set.kind, name: set.name, seed: set.seed, ...(set.hash ? { hash: set.hash } : {}) };
      for (let i = 0; i < missing; i++) {
        const pod = controllerPod(set.template, owner, set.created++, (name) => this.pods.exists(set.namespace, name));
        const record = this.pods.create(pod, at);
        set.events.push(setEvent(set, 'SuccessfulCreate', `Created pod: ${pod.name}`, at));
        // A rollout moves on when this pod becomes available.
        const ready = this.pods.firstReady(record);
        if (ready !== undefined && set.deployment !== undefined) this.pods.wakeAt(ready + set.minReadySeconds);
      }
      return true;
    }
    if (missing === 0) return false;
    const family = (set.deployment === undefined ? [set] : this.familyOf(set)).flatMap((member) => this.active(member));
    for (const pod of deletionOrder(active, family, this.pods, at).slice(0, -missing)) {
      this.pods.remove(pod, at);
      set.events.push(setEvent(set, 'SuccessfulDelete', `Deleted pod: ${pod.spec.name}`, at));
    }
    return true;
  }

  private familyOf(set: ReplicaSetState): ReplicaSetState[] {
    const deployment = this.deployments.get(`${set.namespace}/${set.deployment}`);
    return deployment === undefined ? [set] : this.setsOf(deployment);
  }

  private event(events: ControllerEvent[], reason: string, message: string, at: number): void {
    events.push({ type: 'Normal', reason, from: 'deployment-controller', message, at });
  }

  private scaleSet(deployment: DeploymentState, set: ReplicaSetState, replicas: number, at: number): boolean {
    if (set.replicas === replicas) return false;
    const way = replicas > set.replicas ? 'up' : 'down';
    this.event(
      deployment.events,
      'ScalingReplicaSet',
      `Scaled ${way} replica set ${set.name} from ${set.replicas} to ${replicas}`,
      at,
    );
    set.replicas = replicas;
    return true;
  }

  /** The ReplicaSet for the Deployment's current template, made (or renumbered) as the newest revision. */
  private newReplicaSet(deployment: DeploymentState, at: number): ReplicaSetState {
    const { spec } = deployment;
    const name = `${spec.name}-${spec.templateHash}`;
    const sets = this.setsOf(deployment);
    const newest = sets.reduce((max, set) => Math.max(max, set.revision), 0);
    const existing = this.sets.get(ownerKey('ReplicaSet', spec.namespace, name));
    const changeCause = spec.annotations['kubernetes.io/change-cause'];
    if (existing !== undefined) {
      if (existing.revision !== newest) existing.revision = newest + 1;
      existing.minReadySeconds = spec.minReadySeconds;
      return existing;
    }
    const set: ReplicaSetState = {
      kind: 'ReplicaSet',
      namespace: spec.namespace,
      name,
      labels: { ...spec.template.labels, 'pod-template-hash': spec.templateHash },
      selector: {
        op: 'and',
        left: spec.selector,
        right: { op: 'eq', key: 'pod-template-hash', value: spec.templateHash },
      },
      selectorText: `${spec.selectorText},pod-template-hash=${spec.templateHash}`,
      template: spec.template,
      hash: spec.templateHash,
      seed: `${spec.name}/${spec.templateHash}`,
      replicas: 0,
      minReadySeconds: spec.minReadySeconds,
      createdAt: at,
      uid: this.uid('ReplicaSet', spec.namespace, name, at),
      ...(changeCause === undefined ? {} : { changeCause }),
      deployment: spec.name,
      revision: newest + 1,
      created: 0,
      events: [],
    };
    this.sets.set(ownerKey('ReplicaSet', spec.namespace, name), set);
    return set;
  }

  private syncDeployment(deployment: DeploymentState, at: number): boolean {
    const { spec } = deployment;
    if (spec.strategy.type === 'Recreate') return this.recreate(deployment, at);
    const created = !this.sets.has(ownerKey('ReplicaSet', spec.namespace, `${spec.name}-${spec.templateHash}`));
    const fresh = this.newReplicaSet(deployment, at);
    const old = this.setsOf(deployment).filter((set) => set !== fresh);
    const all = [...old, fresh];
    const { surge, unavailable } = rolloutBounds(spec.strategy, spec.replicas);
    const total = all.reduce((sum, set) => sum + set.replicas, 0);
    // reconcileNewReplicaSet
    if (fresh.replicas > spec.replicas) return this.scaleSet(deployment, fresh, spec.replicas, at);
    if (fresh.replicas < spec.replicas && total < spec.replicas + surge) {
      const target = fresh.replicas + Math.min(spec.replicas + surge - total, spec.replicas - fresh.replicas);
      if (created && fresh.replicas === 0) {
        this.event(deployment.events, 'ScalingReplicaSet', `Scaled up replica set ${fresh.name} to ${target}`, at);
        fresh.replicas = target;
        return true;
      }
      return this.scaleSet(deployment, fresh, target, at);
    }
    const changed = this.scaleDownOld(deployment, fresh, old, spec.replicas - unavailable, at) || created;
    if (!changed) this.trimHistory(deployment);
    return changed;
  }

  /** reconcileOldReplicaSets: unhealthy old pods first, then as availability allows. */
  private scaleDownOld(
    deployment: DeploymentState,
    fresh: ReplicaSetState,
    old: readonly ReplicaSetState[],
    minAvailable: number,
    at: number,
  ): boolean {
    if (old.every((set) => set.replicas === 0)) return false;
    const all = [...old, fresh];
    const total = all.reduce((sum, set) => sum + set.replicas, 0);
    const freshUnavailable = fresh.replicas - this.available(fresh, at);
    const maxScaledDown = total - minAvailable - freshUnavailable;
    if (maxScaledDown <= 0) return false;
    let changed = false;
    let cleaned = 0;
    for (const set of old) {
      if (cleaned >= maxScaledDown) break;
      const unhealthy = set.replicas - this.available(set, at);
      if (set.replicas === 0 || unhealthy <= 0) continue;
      const down = Math.min(maxScaledDown - cleaned, unhealthy);
      changed = this.scaleSet(deployment, set, set.replicas - down, at) || changed;
      cleaned += down;
    }
    const availableNow = all.reduce((sum, set) => sum + this.available(set, at), 0);
    let budget = availableNow - minAvailable;
    for (const set of old) {
      if (budget <= 0) break;
      if (set.replicas === 0) continue;
      const down = Math.min(set.replicas, budget);
      changed = this.scaleSet(deployment, set, set.replicas - down, at) || changed;
      budget -= down;
    }
    return changed;
  }

  /** Recreate: every old pod gone before the new ReplicaSet grows. */
  private recreate(deployment: DeploymentState, at: number): boolean {
    const { spec } = deployment;
    const current = this.sets.get(ownerKey('ReplicaSet', spec.namespace, `${spec.name}-${spec.templateHash}`));
    const old = this.setsOf(deployment).filter((set) => set !== current);
    let changed = false;
    for (const set of old) changed = this.scaleSet(deployment, set, 0, at) || changed;
    if (changed || old.some((set) => this.pods.owned(set).length > 0)) return changed;
    const fresh = current ?? this.newReplicaSet(deployment, at);
    if (current === undefined && spec.replicas > 0) {
      this.event(deployment.events, 'ScalingReplicaSet', `Scaled up replica set ${fresh.name} to ${spec.replicas}`, at);
      fresh.replicas = spec.replicas;
      return true;
    }
    return this.scaleSet(deployment, fresh, spec.replicas, at) || current === undefined;
  }

  /** Old ReplicaSets with no pods beyond revisionHistoryLimit go, oldest first. */
  private trimHistory(deployment: DeploymentState): void {
    const idle = this.setsOf(deployment)
      .filter((set) => set.hash !== deployment.spec.templateHash && set.replicas === 0)
      .filter((set) => this.pods.owned(set).length === 0)
      .sort((a, b) => a.revision - b.revision);
    const excess = idle.length - deployment.spec.revisionHistoryLimit;
    for (const set of idle.slice(0, Math.max(0, excess))) this.sets.delete(ownerKey(set.kind, set.namespace, set.name));
  }
}

export type UndoResult =
  | { readonly kind: 'rolled-back' }
  | { readonly kind: 'skipped'; readonly revision: number }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'no-history' }
  | { readonly kind: 'no-revision'; readonly revision: number };

/** An event of a ReplicaSet's or ReplicationController's controller. */
function setEvent(set: ReplicaSetState, reason: string, message: string, at: number): ControllerEvent {
  const from = set.kind === 'ReplicaSet' ? 'replicaset-controller' : 'replication-controller';
  return { type: 'Normal', reason, from, message, at };
}
