/**
 * The workload controllers and the node lifecycle, on the cluster alone: what `get pods`,
 * `get rs` and `get deploy` would be built from, at chosen moments.
 */
import { describe, expect, it } from 'vitest';
import { buildCluster, type Cluster, type ClusterOp } from '../../src/core/cluster/index.js';
import { formatIpv4 } from '../../src/core/net/index.js';
import type { Topology, WorkloadSpec } from '../../src/core/topology/model.js';
import { resolveTopology } from '../../src/core/topology/resolve.js';
import { topology, workers } from '../helpers/topology.js';

const TEMPLATE = {
  metadata: { labels: { app: 'date' } },
  spec: { containers: [{ name: 'hello-ctr', image: 'nginx', ports: [{ containerPort: 80 }] }] },
};

function rc(replicas: number): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'ReplicationController',
    metadata: { name: 'date' },
    spec: { replicas, selector: { app: 'date' }, template: TEMPLATE },
  };
}

function deployment(replicas: number, image = 'nginx', strategy?: unknown): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'date' } },
      ...(strategy === undefined ? {} : { strategy }),
      template: { ...TEMPLATE, spec: { containers: [{ name: 'web', image, ports: [{ containerPort: 80 }] }] } },
    },
  };
}

/** A cluster of `nodes` workers with the given resources after the topology document. */
function withResources(nodes: number, ...resources: Record<string, unknown>[]): Topology {
  const base = topology({ nodes: workers(nodes) });
  const docs = [
    { source: 0, value: { cluster: { name: 'test' }, nodes: workers(nodes) }, expect: 'any' as const },
    ...resources.map((value, i) => ({ source: i + 1, value, expect: 'any' as const })),
  ];
  const result = resolveTopology(docs);
  if (!result.ok) throw new Error(result.issues.map((i) => i.message).join('; '));
  expect(base.nodes.length).toBe(nodes);
  return result.topology;
}

/** A workload as `create -f` would submit it later. */
function submitted(resource: Record<string, unknown>): WorkloadSpec {
  return withResources(1, resource).workloads[0] as WorkloadSpec;
}

function names(cluster: Cluster, at: number): string[] {
  return cluster.pods().map((p) => `${p.spec.name} ${p.nodeName} ${cluster.statusAt(p, at).display}`);
}

describe('ReplicationController', () => {
  it('starts its replicas spread over the nodes, each owned by it and named <rc>-<5 chars>', () => {
    const cluster = buildCluster(withResources(2, rc(3)), [], 60);
    const pods = cluster.pods();
    expect(pods).toHaveLength(3);
    for (const pod of pods) {
      expect(pod.spec.name).toMatch(/^date-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      expect(pod.spec.owner).toEqual({ kind: 'ReplicationController', name: 'date' });
    }
    expect(new Set(pods.map((p) => p.nodeName))).toEqual(new Set(['node-1', 'node-2']));
    expect(cluster.workloads.replicaSet('ReplicationController', 'default', 'date')?.replicas).toBe(3);
  });

  it('replaces a deleted pod at once, with a new name and an address from the released order', () => {
    const topo = withResources(2, rc(3));
    const before = buildCluster(topo, [], 10);
    const victim = before.pods()[0];
    if (victim === undefined) throw new Error('no pods');
    const ops: ClusterOp[] = [{ kind: 'delete', at: 20, namespace: 'default', name: victim.spec.name }];
    const after = buildCluster(topo, ops, 30);
    const fresh = after.pods().filter((p) => !before.pods().some((q) => q.spec.name === p.spec.name));
    expect(after.pods()).toHaveLength(3);
    expect(fresh).toHaveLength(1);
    expect(fresh[0]?.spec.owner?.name).toBe('date');
    // Calico's IPAM hands out the lowest free ordinal of the block first; the released one is last.
    expect(fresh[0]?.allocation?.ip).not.toBe(victim.allocation?.ip);
    const date = after.workloads.replicaSet('ReplicationController', 'default', 'date');
    const events = date === undefined ? [] : after.workloads.eventsOf(date);
    // The three it started with at 0, then the replacement.
    expect(events.map((e) => `${e.at} ${e.reason} ${e.message}`)).toEqual([
      ...topo.pods.map((p) => `0 SuccessfulCreate Created pod: ${p.name}`),
      `20 SuccessfulCreate Created pod: ${fresh[0]?.spec.name}`,
    ]);
  });

  it('scales up and down; scale-down removes not-ready pods, then the crowded node, first', () => {
    const topo = withResources(2, rc(3));
    const up = buildCluster(
      topo,
      [{ kind: 'scale', at: 10, workload: 'ReplicationController', namespace: 'default', name: 'date', replicas: 5 }],
      11,
    );
    expect(up.pods()).toHaveLength(5);
    // The two new pods are not Ready at 11 s (their image pulls), so they go first on the way down.
    const youngest = up
      .pods()
      .filter((p) => p.createdAt === 10)
      .map((p) => p.spec.name);
    const down = buildCluster(
      topo,
      [
        { kind: 'scale', at: 10, workload: 'ReplicationController', namespace: 'default', name: 'date', replicas: 5 },
        { kind: 'scale', at: 11, workload: 'ReplicationController', namespace: 'default', name: 'date', replicas: 3 },
      ],
      12,
    );
    expect(down.pods().map((p) => p.spec.name)).not.toEqual(expect.arrayContaining(youngest));
    expect(down.pods()).toHaveLength(3);
  });

  it('created later by an op: pods appear at that moment, named as the topology would name them', () => {
    const topo = withResources(2);
    const cluster = buildCluster(topo, [{ kind: 'workload', at: 5, workload: submitted(rc(2)) }], 60);
    const fromTopology = buildCluster(withResources(2, rc(2)), [], 60);
    expect(cluster.pods().map((p) => p.spec.name)).toEqual(fromTopology.pods().map((p) => p.spec.name));
    expect(cluster.pods().every((p) => p.createdAt === 5)).toBe(true);
  });

  it('deleting the controller deletes its pods (the garbage collector)', () => {
    const cluster = buildCluster(
      withResources(2, rc(3)),
      [{ kind: 'workload-delete', at: 10, workload: 'ReplicationController', namespace: 'default', name: 'date' }],
      20,
    );
    expect(cluster.pods()).toEqual([]);
    expect(cluster.workloads.replicaSets()).toEqual([]);
  });
});

describe('a failed node, as the node lifecycle and taint eviction controllers see it', () => {
  const topo = withResources(2, rc(4));
  const down: ClusterOp = { kind: 'node-state', at: 100, node: 'node-2', up: false };

  it('pods stay Running until 300 s after NotReady, then Terminating, and are replaced on node-1', () => {
    const on2 = (c: Cluster) => c.pods().filter((p) => p.nodeName === 'node-2').length;
    const before = buildCluster(topo, [down], 439);
    expect(before.pods()).toHaveLength(4);
    expect(before.nodeReadyAt('node-2', 439).ready).toBe(false);
    expect(names(before, 439).filter((line) => line.endsWith('Terminating'))).toEqual([]);
    const after = buildCluster(topo, [down], 440);
    expect(names(after, 440).filter((line) => line.endsWith('Terminating'))).toHaveLength(on2(before));
    const replacements = after.pods().filter((p) => p.createdAt === 440);
    expect(replacements).toHaveLength(on2(before));
    expect(replacements.every((p) => p.nodeName === 'node-1')).toBe(true);
  });

  it('the evicted pods are deleted, and their addresses released, when the node comes back', () => {
    const back = buildCluster(topo, [down, { kind: 'node-state', at: 500, node: 'node-2', up: true }], 501);
    expect(back.pods()).toHaveLength(4);
    expect(back.pods().every((p) => p.nodeName === 'node-1')).toBe(true);
    const before = buildCluster(topo, [], 1);
    for (const gone of before.pods().filter((p) => p.nodeName === 'node-2'))
      expect(back.ipam.lookup(gone.allocation?.ip as number)).toBeUndefined();
  });

  it('a pod that tolerates unreachable for 10 s goes 10 s after NotReady; nothing goes when every node is down', () => {
    const tolerant = withResources(2, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'quick' },
      spec: {
        nodeName: 'node-2',
        containers: [{ name: 'c', image: 'nginx' }],
        tolerations: [
          { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 },
        ],
      },
    });
    const at = (t: number) => buildCluster(tolerant, [down], t);
    expect(at(149).statusAt(at(149).pods()[0] as never, 149).display).toBe('Running');
    expect(at(150).statusAt(at(150).pods()[0] as never, 150).display).toBe('Terminating');
    const both = buildCluster(topo, [down, { kind: 'node-state', at: 100, node: 'node-1', up: false }], 1000);
    expect(names(both, 1000).filter((line) => line.endsWith('Terminating'))).toEqual([]);
  });
});

describe('Deployment', () => {
  it('rolls out a new template one pod at a time (3 replicas: surge 1, unavailable 0) and undoes it', () => {
    const topo = withResources(2, deployment(3));
    const changed = submitted(deployment(3, 'httpd'));
    const at = (t: number, extra: ClusterOp[] = []) =>
      buildCluster(topo, [{ kind: 'workload', at: 100, workload: changed }, ...extra], t);
    const counts = (c: Cluster) =>
      c.workloads.replicaSets().map((rs) => `${rs.name.replace(/^web-/, '')}:${rs.replicas}`);
    const start = at(100);
    expect(
      start.workloads
        .replicaSets()
        .map((rs) => rs.replicas)
        .sort(),
    ).toEqual([1, 3]);
    const done = at(200);
    expect(
      done.workloads
        .replicaSets()
        .map((rs) => rs.replicas)
        .sort(),
    ).toEqual([0, 3]);
    expect(done.pods().every((p) => p.spec.containers[0]?.image === 'httpd')).toBe(true);
    const messages = done.workloads.deployment('default', 'web')?.events.map((e) => e.message) ?? [];
    const [oldRs, newRs] = done.workloads.replicaSets().map((rs) => rs.name);
    expect(messages).toEqual([
      `Scaled up replica set ${oldRs} to 3`,
      `Scaled up replica set ${newRs} to 1`,
      `Scaled down replica set ${oldRs} from 3 to 2`,
      `Scaled up replica set ${newRs} from 1 to 2`,
      `Scaled down replica set ${oldRs} from 2 to 1`,
      `Scaled up replica set ${newRs} from 2 to 3`,
      `Scaled down replica set ${oldRs} from 1 to 0`,
    ]);
    expect(counts(done)).toHaveLength(2);
    const undone = at(400, [{ kind: 'undo', at: 300, namespace: 'default', name: 'web' }]);
    expect(undone.pods().every((p) => p.spec.containers[0]?.image === 'nginx')).toBe(true);
    expect(undone.workloads.replicaSets().map((rs) => [rs.name, rs.revision, rs.replicas])).toEqual([
      [oldRs, 3, 3],
      [newRs, 2, 0],
    ]);
  });

  it('Recreate: every old pod goes before any new one is made', () => {
    const topo = withResources(2, deployment(2, 'nginx', { type: 'Recreate' }));
    const changed = submitted(deployment(2, 'busybox', { type: 'Recreate' }));
    const cluster = buildCluster(topo, [{ kind: 'workload', at: 50, workload: changed }], 50);
    const messages = cluster.workloads.deployment('default', 'web')?.events.map((e) => e.message) ?? [];
    expect(messages.slice(1).map((m) => m.replace(/web-\w+/, 'RS'))).toEqual([
      'Scaled down replica set RS from 2 to 0',
      'Scaled up replica set RS to 2',
    ]);
    expect(cluster.pods().map((p) => p.spec.containers[0]?.image)).toEqual(['busybox', 'busybox']);
  });

  it('its pods keep the names and addresses the topology gave them before controllers existed', () => {
    const cluster = buildCluster(withResources(2, deployment(2)), [], 10);
    expect(
      cluster.pods().map((p) => [p.spec.name.replace(/^web-\w{10}-/, ''), formatIpv4(p.allocation?.ip as number)]),
    ).toHaveLength(2);
    expect(cluster.pods().every((p) => p.spec.labels['pod-template-hash'] !== undefined)).toBe(true);
  });
});
