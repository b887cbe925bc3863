/**
 * The workspace journal: what the user did, one entry per change, with its simulated time.
 * `create` and `apply` keep the manifest as submitted (a Pod or a controller); the others name
 * what they act on. On load every entry is checked against the topology as the command that
 * recorded it checked it, and located like any other input problem.
 */
import * as z from 'zod';
import { assertNever } from '../core/assert.js';
import type { WorldOp } from '../core/bgp/simulate.js';
import { podKey, type Topology, type WorkloadKind } from '../core/topology/model.js';
import { policyKey } from '../core/topology/policy-model.js';
import { resolveManifest, type SubmittedObject } from '../core/topology/resolve.js';
import type { LocatedMessage } from './located.js';
import type { SourceTable } from './sources.js';

/** Simulated seconds a journal entry may carry: finite, and no later than about 31 years. */
export const moment = z.number().nonnegative().max(1e9);

const workloadKind = z.enum(['ReplicationController', 'ReplicaSet', 'Deployment']);
const policyDeletable = ['NetworkPolicy', 'CalicoNetworkPolicy', 'GlobalNetworkPolicy', 'Tier'] as const;
const deletable = z.enum(['ReplicationController', 'ReplicaSet', 'Deployment', 'Service', ...policyDeletable]);

function isPolicyDelete(kind: string | undefined): kind is (typeof policyDeletable)[number] {
  return policyDeletable.includes(kind as (typeof policyDeletable)[number]);
}

/** A policy or tier's key in the journal's bookkeeping: global ones have no namespace. */
function policyEntryKey(kind: (typeof policyDeletable)[number], namespace: string, name: string): string {
  return kind === 'Tier'
    ? `Tier//${name}`
    : policyKey({ kind, namespace: kind === 'GlobalNetworkPolicy' ? undefined : namespace, name });
}
const submitted = { at: moment, file: z.string(), manifest: z.record(z.string(), z.unknown()) };

export const journalEntry = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('create'), ...submitted }),
  /** An apply that changed an existing controller. */
  z.strictObject({ op: z.literal('apply'), ...submitted }),
  /** A pod, or with `kind` a controller (and, as the garbage collector does, what it owns). */
  z.strictObject({
    op: z.literal('delete'),
    at: moment,
    kind: deletable.optional(),
    namespace: z.string(),
    name: z.string(),
  }),
  z.strictObject({
    op: z.literal('scale'),
    at: moment,
    kind: workloadKind,
    namespace: z.string(),
    name: z.string(),
    replicas: z.number().int().min(0).max(1_000_000),
  }),
  z.strictObject({
    op: z.literal('undo'),
    at: moment,
    namespace: z.string(),
    name: z.string(),
    revision: z.number().int().min(1).optional(),
  }),
  z.strictObject({ op: z.literal('link'), at: moment, a: z.string(), b: z.string(), up: z.boolean() }),
  z.strictObject({ op: z.literal('machine'), at: moment, name: z.string(), up: z.boolean() }),
  /** A graceful restart of the machine's BIRD (calico-node restart), down for downFor seconds. */
  z.strictObject({ op: z.literal('restart'), at: moment, name: z.string(), downFor: z.number().min(0).max(1e9) }),
  /** `birdc disable` (up false) or `enable` of a's protocol for its session with b. */
  z.strictObject({ op: z.literal('session'), at: moment, a: z.string(), b: z.string(), up: z.boolean() }),
  z.strictObject({ op: z.literal('cordon'), at: moment, node: z.string(), unschedulable: z.boolean() }),
  z.strictObject({
    op: z.literal('port'),
    at: moment,
    name: z.string(),
    port: z.number().int().min(1).max(65535),
    blocked: z.boolean(),
  }),
]);

export type JournalEntry = z.output<typeof journalEntry>;

function submittedOp(at: number, object: SubmittedObject): WorldOp {
  if (object.kind === 'Pod') return { kind: 'create', at, pod: object.pod };
  if (object.kind === 'Service') return { kind: 'service', at, service: object.service };
  if (object.kind === 'workload') return { kind: 'workload', at, workload: object.workload };
  return { kind: 'policy', at, object };
}

/** The journal as world operations; `objects` holds what create and apply entries resolved to. */
export function journalOps(
  journal: readonly JournalEntry[],
  objects: ReadonlyMap<number, SubmittedObject>,
  topology: Topology,
): WorldOp[] {
  return journal.map((entry, i): WorldOp => {
    switch (entry.op) {
      case 'create':
      case 'apply':
        return submittedOp(entry.at, objects.get(i) ?? objectOf(entry.manifest, topology));
      case 'delete':
        if (entry.kind === undefined)
          return { kind: 'delete', at: entry.at, namespace: entry.namespace, name: entry.name };
        if (entry.kind === 'Service')
          return { kind: 'service-delete', at: entry.at, namespace: entry.namespace, name: entry.name };
        if (isPolicyDelete(entry.kind))
          return {
            kind: 'policy-delete',
            at: entry.at,
            object: entry.kind,
            ...(entry.kind === 'NetworkPolicy' || entry.kind === 'CalicoNetworkPolicy'
              ? { namespace: entry.namespace }
              : {}),
            name: entry.name,
          };
        return {
          kind: 'workload-delete',
          at: entry.at,
          workload: entry.kind,
          namespace: entry.namespace,
          name: entry.name,
        };
      case 'scale':
        return { ...entry, kind: 'scale', workload: entry.kind };
      case 'undo':
        return {
          kind: 'undo',
          at: entry.at,
          namespace: entry.namespace,
          name: entry.name,
          ...(entry.revision === undefined ? {} : { revision: entry.revision }),
        };
      case 'link':
        return { kind: 'link', at: entry.at, a: entry.a, b: entry.b, up: entry.up };
      case 'machine':
        return { kind: 'machine', at: entry.at, name: entry.name, up: entry.up };
      case 'restart':
        return { kind: 'restart', at: entry.at, name: entry.name, downFor: entry.downFor };
      case 'session':
        return { kind: 'session', at: entry.at, a: entry.a, b: entry.b, up: entry.up };
      case 'port':
        return { kind: 'port', at: entry.at, name: entry.name, port: entry.port, blocked: entry.blocked };
      case 'cordon':
        return { kind: 'cordon', at: entry.at, node: entry.node, unschedulable: entry.unschedulable };
      default:
        return assertNever(entry, 'journal op');
    }
  });
}

function objectOf(manifest: Record<string, unknown>, topology: Topology): SubmittedObject {
  const resolved = resolveManifest(manifest, 0, topology);
  if (!resolved.ok) throw new Error('a journal manifest that was checked on load no longer resolves');
  return resolved.object;
}

/** What the journal has made so far, to check that later entries name things that exist. */
class Known {
  readonly pods: Set<string>;
  readonly workloads: Set<string>;
  readonly services: Set<string>;
  readonly policies: Set<string>;

  constructor(topology: Topology) {
    this.policies = new Set([
      ...topology.policies.map((p) => policyKey(p)),
      ...topology.tiers.map((t) => `Tier//${t.name}`),
    ]);
    this.services = new Set(topology.services.map((s) => podKey(s.namespace, s.name)));
    this.pods = new Set(topology.pods.map((pod) => podKey(pod.namespace, pod.name)));
    this.workloads = new Set(topology.workloads.map((w) => Known.key(w.kind, w.namespace, w.name)));
  }

  static key(kind: WorkloadKind, namespace: string, name: string): string {
    return `${kind}/${namespace}/${name}`;
  }

  /** A pod the journal or topology made, or one a controller could have made (`<controller>-...`). */
  podMayExist(namespace: string, name: string): boolean {
    if (this.pods.has(podKey(namespace, name))) return true;
    return [...this.workloads].some((key) => {
      const [, ns, owner] = key.split('/') as [string, string, string];
      return ns === namespace && name.startsWith(`${owner}-`);
    });
  }
}

/**
 * Each journal entry checked against the topology, as the command that recorded it checked it;
 * the objects its create and apply entries resolve to, by entry index, so a replay need not
 * resolve them again.
 */
export function checkJournal(
  journal: readonly JournalEntry[],
  topology: Topology,
  sources: SourceTable,
  source: number,
): { problems: LocatedMessage[]; objects: Map<number, SubmittedObject> } {
  const problems: LocatedMessage[] = [];
  const objects = new Map<number, SubmittedObject>();
  const machines = new Set([...topology.nodes.map((n) => n.name), ...topology.routers.map((r) => r.name)]);
  const known = new Known(topology);
  let last = 0;
  journal.forEach((entry, i) => {
    const at = (...path: (string | number)[]) => ['journal', i, ...path];
    const report = (path: (string | number)[], message: string) =>
      problems.push(sources.locatePath(source, at(...path), 'workspace', message));
    if (entry.at < last)
      report(['at'], `at ${entry.at} is before the entry above it (${last}): a journal never runs backwards`);
    last = Math.max(last, entry.at);
    const machine = (key: string, name: string) => {
      if (!machines.has(name)) report([key], `"${name}" is not a node or router of this workspace's topology`);
    };
    const workload = (kind: WorkloadKind, namespace: string, name: string) => {
      if (!known.workloads.has(Known.key(kind, namespace, name)))
        report(['name'], `${kind} "${namespace}/${name}" was never created`);
    };
    switch (entry.op) {
      case 'create':
      case 'apply': {
        const resolved = resolveManifest(entry.manifest, source, topology);
        if (!resolved.ok) {
          for (const issue of resolved.issues)
            problems.push(sources.locate({ ...issue, at: { source, path: [...at('manifest'), ...issue.at.path] } }));
          return;
        }
        objects.set(i, resolved.object);
        const object = resolved.object;
        if (object.kind === 'Pod') known.pods.add(podKey(object.pod.namespace, object.pod.name));
        else if (object.kind === 'Service') known.services.add(podKey(object.service.namespace, object.service.name));
        else if (object.kind === 'workload')
          known.workloads.add(Known.key(object.workload.kind, object.workload.namespace, object.workload.name));
        else if (object.kind === 'policy') known.policies.add(policyKey(object.policy));
        else if (object.kind === 'Tier') known.policies.add(`Tier//${object.tier.name}`);
        return;
      }
      case 'delete':
        if (isPolicyDelete(entry.kind)) {
          if (!known.policies.has(policyEntryKey(entry.kind, entry.namespace, entry.name)))
            report(['name'], `${entry.kind} "${entry.name}" was never created`);
        } else if (entry.kind === 'Service') {
          if (!known.services.has(podKey(entry.namespace, entry.name)))
            report(['name'], `Service "${entry.namespace}/${entry.name}" was never created`);
        } else if (entry.kind !== undefined) workload(entry.kind, entry.namespace, entry.name);
        else if (!known.podMayExist(entry.namespace, entry.name))
          report(['name'], `pod "${entry.namespace}/${entry.name}" was never created, so it cannot have been deleted`);
        return;
      case 'scale':
        workload(entry.kind, entry.namespace, entry.name);
        return;
      case 'undo':
        workload('Deployment', entry.namespace, entry.name);
        return;
      case 'link':
      case 'session':
        machine('a', entry.a);
        machine('b', entry.b);
        if (entry.a === entry.b) report(['b'], 'a link joins two different machines');
        return;
      case 'machine':
      case 'restart':
      case 'port':
        machine('name', entry.name);
        return;
      case 'cordon':
        if (!topology.nodes.some((node) => node.name === entry.node))
          report(['node'], `"${entry.node}" is not a node of this workspace's topology`);
        return;
    }
  });
  return { problems, objects };
}
