/**
 * A stopped node as Kubernetes 1.31 sees it: Ready until the node controller's 40 s grace period
 * runs out, then NotReady (Ready=Unknown, the unreachable taints), its pods Ready=False with
 * NodeNotReady events while kubectl's READY column keeps what the kubelet last posted.
 */
import { writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliSandbox, tableCell } from '../helpers/cli.js';

let cli: CliSandbox;
beforeEach(async () => {
  cli = new CliSandbox();
  expect((await cli.run('init')).code).toBe(0);
  cli.advance(60);
});
afterEach(() => cli.dispose());

const nodeStatus = async (name: string) => tableCell((await cli.run('get', 'nodes')).stdout, name, 'STATUS');
const podReady = async () => /^ {2}Ready\s+(\w+)$/m.exec((await cli.run('describe', 'pod', 'date-pod')).stdout)?.[1];

describe('a stopped node, as the node lifecycle controller sees it', () => {
  it('stays Ready through the grace period, then turns NotReady with its pods unready', async () => {
    await cli.run('fail', 'node', 'node-1');
    cli.advance(39);
    expect(await nodeStatus('node-1')).toBe('Ready');
    expect(await podReady()).toBe('True');
    cli.advance(2);
    expect(await nodeStatus('node-1')).toBe('NotReady');
    expect(await nodeStatus('node-2')).toBe('Ready');
    const pods = (await cli.run('get', 'pods')).stdout;
    expect(tableCell(pods, 'date-pod', 'READY')).toBe('1/1');
    expect(tableCell(pods, 'date-pod', 'STATUS')).toBe('Running');
    expect(await podReady()).toBe('False');
    expect((await cli.run('describe', 'pod', 'date-pod')).stdout).toMatch(
      /Warning {2}NodeNotReady {2}1s {4}node-controller {4}Node is not ready\n/,
    );
    const node = JSON.parse((await cli.run('get', 'node', 'node-1', '-o', 'json')).stdout);
    expect(node.status.conditions[0]).toMatchObject({
      type: 'Ready',
      status: 'Unknown',
      reason: 'NodeStatusUnknown',
      message: 'Kubelet stopped posting node status.',
    });
    expect(node.spec.taints.map((t: { key: string; effect: string }) => `${t.key}:${t.effect}`)).toEqual([
      'node.kubernetes.io/unreachable:NoSchedule',
      'node.kubernetes.io/unreachable:NoExecute',
    ]);
  });

  it('is Ready again when restored, and a cordoned NotReady node shows both', async () => {
    await cli.run('fail', 'node', 'node-1');
    await cli.run('cordon', 'node-1');
    cli.advance(60);
    expect(await nodeStatus('node-1')).toBe('NotReady,SchedulingDisabled');
    await cli.run('restore', 'node', 'node-1');
    await cli.run('uncordon', 'node-1');
    expect(await nodeStatus('node-1')).toBe('Ready');
    expect(await podReady()).toBe('True');
  });

  it("freezes a pod's status at the kubelet's last post: nothing progresses on a stopped node", async () => {
    writeFileSync(
      cli.path('web.yaml'),
      'apiVersion: v1\nkind: Pod\nmetadata: { name: web }\nspec:\n  containers: [{ name: web, image: nginx }]\n',
    );
    await cli.run('create', '-f', 'web.yaml');
    const node = tableCell((await cli.run('get', 'pods', '-o', 'wide')).stdout, 'web', 'NODE') as string;
    await cli.run('fail', 'node', node);
    cli.advance(120);
    const pods = (await cli.run('get', 'pods')).stdout;
    expect(tableCell(pods, 'web', 'STATUS')).toBe('ContainerCreating');
    expect(tableCell(pods, 'web', 'READY')).toBe('0/1');
    await cli.run('restore', 'node', node);
    cli.advance(10);
    expect(tableCell((await cli.run('get', 'pods')).stdout, 'web', 'STATUS')).toBe('Running');
  });
});
