/**
 * cordon and uncordon as kubectl does them: the node turns SchedulingDisabled, new pods go
 * elsewhere or wait, and a pod that waited is placed (and routed to) once a node can take it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliSandbox, tableCell } from '../helpers/cli.js';

let cli: CliSandbox;
beforeEach(async () => {
  cli = new CliSandbox({ PODNET_INSTANT: '1' });
  expect((await cli.run('init')).code).toBe(0);
});
afterEach(() => cli.dispose());

function writePod(name: string, extra = ''): string {
  const file = `${name}.yaml`;
  writeFileSync(
    cli.path(file),
    `apiVersion: v1\nkind: Pod\nmetadata: { name: ${name} }\nspec:\n  containers: [{ name: web, image: nginx }]\n${extra}`,
  );
  return file;
}

describe('cordon and uncordon', () => {
  it("answers with kubectl's lines and shows the node SchedulingDisabled", async () => {
    expect(await cli.run('cordon', 'node-1')).toEqual({ code: 0, stdout: 'node/node-1 cordoned\n', stderr: '' });
    expect((await cli.run('cordon', 'node-1')).stdout).toBe('node/node-1 already cordoned\n');
    const nodes = (await cli.run('get', 'nodes')).stdout;
    expect(tableCell(nodes, 'node-1', 'STATUS')).toBe('Ready,SchedulingDisabled');
    expect(tableCell(nodes, 'node-2', 'STATUS')).toBe('Ready');
    const node = JSON.parse((await cli.run('get', 'node', 'node-1', '-o', 'json')).stdout);
    expect(node.spec).toMatchObject({
      unschedulable: true,
      taints: [{ effect: 'NoSchedule', key: 'node.kubernetes.io/unschedulable' }],
    });
    expect(await cli.run('cordon', 'nope')).toMatchObject({
      code: 1,
      stderr: 'Error from server (NotFound): nodes "nope" not found\n',
    });
    expect((await cli.run('uncordon', 'node-1')).stdout).toBe('node/node-1 uncordoned\n');
    expect((await cli.run('uncordon', 'node-1')).stdout).toBe('node/node-1 already uncordoned\n');
    expect(tableCell((await cli.run('get', 'nodes')).stdout, 'node-1', 'STATUS')).toBe('Ready');
  });

  it('new pods avoid a cordoned node; its own pods stay', async () => {
    await cli.run('cordon', 'node-1');
    await cli.run('create', '-f', writePod('web'));
    const pods = (await cli.run('get', 'pods', '-o', 'wide')).stdout;
    expect(tableCell(pods, 'web', 'NODE')).toBe('node-2');
    expect(tableCell(pods, 'date-pod', 'NODE')).toBe('node-1');
    expect(tableCell(pods, 'date-pod', 'STATUS')).toBe('Running');
  });

  it('a pod that found no node waits, then is placed and routed when a node is uncordoned', async () => {
    await cli.run('cordon', 'node-1');
    await cli.run('cordon', 'node-2');
    await cli.run('create', '-f', writePod('web'));
    expect(tableCell((await cli.run('get', 'pods')).stdout, 'web', 'STATUS')).toBe('Pending');
    expect((await cli.run('describe', 'pod', 'web')).stdout).toContain(
      '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 node(s) were unschedulable.',
    );
    await cli.run('uncordon', 'node-2');
    const pods = (await cli.run('get', 'pods', '-o', 'wide')).stdout;
    expect(tableCell(pods, 'web', 'STATUS')).toBe('Running');
    expect(tableCell(pods, 'web', 'NODE')).toBe('node-2');
    const events = (await cli.run('describe', 'pod', 'web')).stdout;
    expect(events.indexOf('FailedScheduling')).toBeLessThan(
      events.indexOf('Successfully assigned default/web to node-2'),
    );
    const ip = tableCell(pods, 'web', 'IP') as string;
    const block = `${ip.replace(/\.\d+$/, '.0')}/26`;
    expect((await cli.run('routes', 'node-1')).stdout).toContain(`${block} via 10.0.1.12 dev tunl0 proto bird onlink`);
    expect((await cli.run('trace', 'date-pod', 'web:80')).stdout).toContain('=> ACCEPTED at default/web');
  });

  it('a pod that tolerates the unschedulable taint may still land on a cordoned node', async () => {
    await cli.run('cordon', 'node-1');
    await cli.run('cordon', 'node-2');
    const tolerant = writePod(
      'tolerant',
      '  tolerations: [{ key: node.kubernetes.io/unschedulable, operator: Exists, effect: NoSchedule }]\n',
    );
    await cli.run('create', '-f', tolerant);
    expect(tableCell((await cli.run('get', 'pods', '-o', 'wide')).stdout, 'tolerant', 'STATUS')).toBe('Running');
  });

  it('a pod that waited for a stopped node is placed when the node is restored', async () => {
    await cli.run('fail', 'node', 'node-1');
    await cli.run('fail', 'node', 'node-2');
    await cli.run('create', '-f', writePod('web'));
    expect(tableCell((await cli.run('get', 'pods')).stdout, 'web', 'STATUS')).toBe('Pending');
    await cli.run('restore', 'node', 'node-1');
    const pods = (await cli.run('get', 'pods', '-o', 'wide')).stdout;
    expect(tableCell(pods, 'web', 'NODE')).toBe('node-1');
  });

  it('a cordon entry edited to name no node is refused where it stands', async () => {
    await cli.run('cordon', 'node-1');
    const file = cli.path('.podnet', 'state.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"node": "node-1"', '"node": "tor-9"'));
    const result = await cli.run('workspace', 'recover', '--accept-edits');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^\.podnet\/state\.json:\d+:\d+: journal\[\d+\]\.node: "tor-9" is not a node of this workspace's topology\n/,
    );
  });
});
