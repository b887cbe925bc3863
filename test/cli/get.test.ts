/** kubectl's habits on `get`: TYPE/NAME arguments, -l selectors and --show-labels. */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliSandbox, repoPath, tableRows } from '../helpers/cli.js';

let cli: CliSandbox;
beforeEach(async () => {
  cli = new CliSandbox({ PODNET_INSTANT: '1' });
  const seed = readFileSync(repoPath('topologies/seed-lab.yaml'), 'utf8').replace(/\npods:\n.*\n/, '\n');
  const pod = (name: string, labels: string, image: string) =>
    `  - { apiVersion: v1, kind: Pod, metadata: { name: ${name}, labels: ${labels} }, spec: { containers: [{ name: c, image: ${image} }] } }\n`;
  writeFileSync(
    cli.path('lab.yaml'),
    `${seed.replace('  - name: node-2\n', '  - name: node-2\n    labels: { rack: b }\n')}pods:\n${pod('web-1', '{ app: web, tier: front }', 'nginx')}${pod('web-2', '{ app: web }', 'nginx')}${pod('cache', '{ app: redis, tier: back }', 'redis')}${pod('plain', '{}', 'nginx')}`,
  );
  expect((await cli.run('init', 'lab.yaml')).code).toBe(0);
});
afterEach(() => cli.dispose());

const names = (stdout: string) => tableRows(stdout).map((row) => row[0]);

describe('get, as kubectl users type it', () => {
  it('-l selects by label, with kubectl grammar', async () => {
    expect(names((await cli.run('get', 'pods', '-l', 'app=web')).stdout)).toEqual(['NAME', 'web-1', 'web-2']);
    expect(names((await cli.run('get', 'pods', '-l', 'app in (web,redis),tier')).stdout)).toEqual([
      'NAME',
      'cache',
      'web-1',
    ]);
    expect(names((await cli.run('get', 'pods', '-l', '!app')).stdout)).toEqual(['NAME', 'plain']);
    expect(names((await cli.run('get', 'nodes', '-l', 'rack=b')).stdout)).toEqual(['NAME', 'node-2']);
    expect(await cli.run('get', 'pods', '-l', 'app=nothing')).toEqual({
      code: 0,
      stdout: '',
      stderr: 'No resources found in default namespace.\n',
    });
    expect((await cli.run('get', 'pods', '-l', 'app=web', '-o', 'name')).stdout).toBe('pod/web-1\npod/web-2\n');
  });

  it('--show-labels adds a LABELS column, keys sorted, <none> when there are none', async () => {
    const rows = tableRows((await cli.run('get', 'pods', '--show-labels')).stdout);
    expect(rows[0]).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'LABELS']);
    expect(Object.fromEntries(rows.slice(1).map((row) => [row[0], row.at(-1)]))).toEqual({
      cache: 'app=redis,tier=back',
      plain: '<none>',
      'web-1': 'app=web,tier=front',
      'web-2': 'app=web',
    });
    const node = tableRows((await cli.run('get', 'nodes', 'node-2', '--show-labels')).stdout)[1];
    expect(node?.at(-1)).toBe('kubernetes.io/arch=amd64,kubernetes.io/hostname=node-2,kubernetes.io/os=linux,rack=b');
  });

  it('TYPE/NAME arguments, and the combinations kubectl refuses', async () => {
    expect(names((await cli.run('get', 'pod/web-2', 'po/cache')).stdout)).toEqual(['NAME', 'web-2', 'cache']);
    expect(names((await cli.run('get', 'node/node-1')).stdout)).toEqual(['NAME', 'node-1']);
    expect(await cli.run('get', 'pods', 'pod/web-1')).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^error: there is no need to specify a resource type as a separate argument/),
    });
    expect(await cli.run('get', 'pods', 'web-1', '-l', 'app=web')).toMatchObject({
      code: 1,
      stderr: 'error: name cannot be provided when a selector is specified\n',
    });
    expect(await cli.run('get', 'pods', '-l', 'app in (web')).toMatchObject({
      code: 1,
      stderr: "error: unable to parse requirement: found '', expected: ',' or ')'\n",
    });
    expect(await cli.run('get', 'pod/ghost')).toMatchObject({
      code: 1,
      stderr: 'Error from server (NotFound): pods "ghost" not found\n',
    });
  });
});
