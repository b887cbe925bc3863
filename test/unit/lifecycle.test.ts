/** Pod lifecycle in simulated time: what `get pods` and `describe` show at each moment. */
import { describe, expect, it } from 'vitest';
import { buildCluster } from '../../src/core/cluster/index.js';
import { backoffDelay } from '../../src/core/cluster/lifecycle.js';
import { resolveTopology } from '../../src/core/topology/resolve.js';
import { pod, topology, workers } from '../helpers/topology.js';

function statusesOf(doc: Record<string, unknown>, name: string, times: readonly number[]) {
  const cluster = buildCluster(topology({ nodes: workers(2), ...doc }));
  const record = cluster.pod('default', name);
  if (record === undefined) throw new Error(`no pod ${name}`);
  return times.map((t) => cluster.statusAt(record, t));
}

describe('pod lifecycle', () => {
  it('is ContainerCreating while the image pulls, then Running with every event in order', () => {
    const [early, late] = statusesOf({ pods: [pod('web')] }, 'web', [2, 30]);
    expect(early).toMatchObject({ phase: 'Pending', display: 'ContainerCreating', readyContainers: 0 });
    expect(late).toMatchObject({ phase: 'Running', display: 'Running', readyContainers: 1, restarts: 0 });
    expect(late!.events.map((e) => e.reason)).toEqual(['Scheduled', 'Pulling', 'Pulled', 'Created', 'Started']);
  });

  it('an image the offline registry lacks gives ErrImagePull, then ImagePullBackOff', () => {
    const doc = { pods: [pod('ghost', {}, [{ name: 'app', image: 'example.com/missing:1.0' }])] };
    const [failing, backingOff] = statusesOf(doc, 'ghost', [2.6, 30]);
    expect(failing!.display).toBe('ErrImagePull');
    expect(backingOff!.display).toBe('ImagePullBackOff');
    expect(
      backingOff!.events.some(
        (e) => e.reason === 'Failed' && e.message.startsWith('Failed to pull image "example.com/missing:1.0"'),
      ),
    ).toBe(true);
  });

  it('two containers on one port: the second fails to bind and backs off 10 s, 20 s, 40 s ...', () => {
    const doc = {
      pods: [
        pod('clash', {}, [
          { name: 'first', image: 'nginx', ports: [{ containerPort: 80 }] },
          { name: 'second', image: 'httpd', ports: [{ containerPort: 80 }] },
        ]),
      ],
    };
    const [status] = statusesOf(doc, 'clash', [120]);
    const second = status!.containers[1]!;
    expect(status!.display).toBe('CrashLoopBackOff');
    expect(status!.readyContainers).toBe(1);
    expect(second.bindConflict).toEqual({ port: 80, holder: 'first' });
    expect(second.lastState).toMatchObject({
      state: 'terminated',
      reason: 'Error',
      exitCode: 1,
      message: 'listen tcp :80: bind: address already in use',
    });
    expect(status!.containers[0]!.listening).toEqual([80]);
    // Starts at s, s+10.1, s+30.2, s+70.3 (run 0.1 s, then back-off): 3 restarts by t=120.
    expect(second.restartCount).toBe(3);
    expect([0, 1, 2, 3, 5, 9].map(backoffDelay)).toEqual([10, 20, 40, 80, 300, 300]);
  });

  it('a container that exits 0 under restartPolicy Never leaves the pod Succeeded', () => {
    const doc = { pods: [pod('job', { restartPolicy: 'Never' }, [{ name: 'task', image: 'busybox' }])] };
    const [status] = statusesOf(doc, 'job', [60]);
    expect(status).toMatchObject({ phase: 'Succeeded', display: 'Completed', readyContainers: 0 });
  });

  it('a container that exits non-zero under OnFailure restarts; under Never the pod Failed', () => {
    const images = { 'example.com/crasher:1': { exitAfter: 2, exitCode: 3 } };
    const onFailure = statusesOf(
      { images, pods: [pod('c', { restartPolicy: 'OnFailure' }, [{ name: 'x', image: 'example.com/crasher:1' }])] },
      'c',
      [60],
    )[0]!;
    const never = statusesOf(
      { images, pods: [pod('c', { restartPolicy: 'Never' }, [{ name: 'x', image: 'example.com/crasher:1' }])] },
      'c',
      [60],
    )[0]!;
    expect(onFailure.restarts).toBeGreaterThan(0);
    expect(never).toMatchObject({ phase: 'Failed', display: 'Error' });
  });

  it("an exhausted pool leaves the pod ContainerCreating with FailedCreatePodSandBox carrying Calico's message", () => {
    const doc = {
      pools: [{ name: 'tiny', cidr: '10.244.0.0/30', blockSize: 30 }],
      pods: ['a', 'b', 'c', 'd', 'e'].map((name) => pod(name, { nodeName: 'node-1' })),
    };
    const [status] = statusesOf(doc, 'e', [31]);
    expect(status!.display).toBe('ContainerCreating');
    const event = status!.events.find((e) => e.reason === 'FailedCreatePodSandBox');
    expect(event?.message).toMatch(
      /plugin type="calico" failed \(add\): No IPs available in pools: \[10\.244\.0\.0\/30\]$/,
    );
    expect(event?.count).toBe(3);
  });

  it("a pod no node can take stays Pending with the scheduler's reasons", () => {
    const doc = { nodes: [{ name: 'master', role: 'control-plane', address: '10.0.1.10/24' }], pods: [pod('web')] };
    const cluster = buildCluster(topology(doc));
    const status = cluster.statusAt(cluster.pod('default', 'web')!, 10);
    expect(status.display).toBe('Pending');
    expect(status.events[0]?.message).toBe(
      '0/1 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.',
    );
  });

  it('spreads pods over the untainted nodes with the fewest pods, ties by name', () => {
    const cluster = buildCluster(
      topology({
        nodes: [{ name: 'master', role: 'control-plane', address: '10.0.1.10/24' }, ...workers(3)],
        pods: ['a', 'b', 'c', 'd'].map((n) => pod(n)),
      }),
    );
    expect(cluster.pods().map((p) => p.nodeName)).toEqual(['node-1', 'node-2', 'node-3', 'node-1']);
  });
});

describe('Deployments', () => {
  const deployment = (replicas: number, matchLabels: Record<string, string> = { app: 'web' }) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      replicas,
      selector: { matchLabels },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } },
    },
  });

  it('expand into replicas named <name>-<template hash>-<suffix>, unique, spread over the nodes', () => {
    const result = resolveTopology([
      { source: 0, value: { cluster: { name: 't' }, nodes: workers(3) }, expect: 'any' },
      { source: 1, value: deployment(3000), expect: 'any' },
    ]);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const names = result.topology.pods.map((p) => p.name);
    expect(names).toHaveLength(3000);
    expect(new Set(names).size).toBe(3000);
    expect(names.every((n) => /^web-[bcdfghjklmnpqrstvwxz2456789]{10}-[bcdfghjklmnpqrstvwxz2456789]{5}$/.test(n))).toBe(
      true,
    );
    expect(result.topology.pods[0]?.labels).toMatchObject({ app: 'web', 'pod-template-hash': names[0]?.split('-')[1] });
    const cluster = buildCluster(result.topology);
    const perNode = ['node-1', 'node-2', 'node-3'].map((n) => cluster.pods().filter((p) => p.nodeName === n).length);
    expect(perNode).toEqual([1000, 1000, 1000]);
  });

  it('refuse a selector that does not match the template, as the API server does', () => {
    const result = resolveTopology([
      { source: 0, value: { cluster: { name: 't' }, nodes: workers(1) }, expect: 'any' },
      { source: 1, value: deployment(2, { app: 'api' }), expect: 'any' },
    ]);
    expect(result.ok ? [] : result.issues.map((i) => `${i.at.path.join('.')}: ${i.message}`)).toEqual([
      'spec.template.metadata.labels: The Deployment "web" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`',
    ]);
  });
});
