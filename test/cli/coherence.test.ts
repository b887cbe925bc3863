/** Places where podnet told a new user two stories or hid what mattered, each fixed at its cause. */
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { VERSION } from '../../src/cli/version.js';
import { CliSandbox, repoPath } from '../helpers/cli.js';

let cli: CliSandbox;
beforeEach(() => {
  cli = new CliSandbox({ PODNET_INSTANT: '1' });
});
afterEach(() => cli.dispose());

const SEED = repoPath('topologies/seed-lab.yaml');

describe('the command line says one story', () => {
  it('get nodes -o json|yaml|name prints objects, not the table', async () => {
    const json = JSON.parse((await cli.run('-t', SEED, 'get', 'nodes', '-o', 'json')).stdout);
    expect(json).toMatchObject({ apiVersion: 'v1', kind: 'List' });
    expect(json.items.map((n: { metadata: { name: string } }) => n.metadata.name)).toEqual([
      'k8s-master',
      'node-1',
      'node-2',
    ]);
    expect(json.items[1].status.addresses[0]).toEqual({ address: '10.0.1.11', type: 'InternalIP' });
    const one = parse((await cli.run('-t', SEED, 'get', 'node', 'node-1', '-o', 'yaml')).stdout);
    expect(one).toMatchObject({ kind: 'Node', metadata: { name: 'node-1' } });
    expect((await cli.run('-t', SEED, 'get', 'nodes', '-o', 'name')).stdout).toBe(
      'node/k8s-master\nnode/node-1\nnode/node-2\n',
    );
  });

  it("--version is package.json's version", async () => {
    const version = JSON.parse(readFileSync(repoPath('package.json'), 'utf8')).version;
    expect(VERSION).toBe(version);
    expect(await cli.run('--version')).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it('restoring a running node, or failing a stopped one, says so and records nothing', async () => {
    await cli.run('init');
    expect((await cli.run('restore', 'node', 'node-1')).stdout).toBe('node-1 is already running: nothing to restore\n');
    expect((await cli.run('fail', 'node', 'node-1')).stdout).toMatch(/^node-1 stopped at/);
    expect((await cli.run('fail', 'node', 'node-1')).stdout).toBe('node-1 is already stopped: nothing to fail\n');
    const state = JSON.parse(readFileSync(cli.path('.podnet/state.json'), 'utf8')) as { journal: unknown[] };
    expect(state.journal).toHaveLength(1);
  });

  it('counts agree with their nouns, and labs ends its output with a newline', async () => {
    expect((await cli.run('init')).stdout).toMatch(/, pool 192\.168\.0\.0\/16\n$/);
    await cli.run('create', '-f', repoPath('topologies/pods/hello-pod.yml'));
    const reach = await cli.run('reach', '--from', "zone == 'prod'", '--to', "app == 'hello'");
    expect(reach.stdout).toMatch(/^1 pair, 1 reachable: 1 ACCEPTED$/m);
    expect((await cli.run('labs')).stdout).toMatch(/\n$/);
  });

  it('logs and exec say what podnet simulates instead', async () => {
    const logs = await cli.run('logs', 'date-pod');
    expect(logs.code).toBe(1);
    expect(logs.stderr).toMatch(/^error: podnet simulates .* no logs: podnet describe pod NAME shows a pod's events/);
    const exec = await cli.run('exec', '-it', 'date-pod', '--', 'sh');
    expect(exec.code).toBe(1);
    expect(exec.stderr).toMatch(/nothing to exec into: podnet trace POD DEST/);
  });

  it('a localhost trace starts from 127.0.0.1, as Linux picks it', async () => {
    const { stdout } = await cli.run('-t', SEED, 'trace', 'date-pod', 'localhost:8080');
    expect(stdout).toMatch(/^Flow: TCP 127\.0\.0\.1 -> localhost:8080 /);
    expect(stdout).toMatch(/ORIGINATED +TCP 127\.0\.0\.1 -> localhost:8080/);
  });

  it('-o json on status, describe, ipam show and labs', async () => {
    const status = JSON.parse((await cli.run('-t', SEED, 'status', '-o', 'json')).stdout);
    expect(status).toMatchObject({
      cluster: 'seed-lab',
      simulatedTime: 300,
      bgp: { sessions: { established: 3, total: 3 } },
    });
    expect(status.pods[0].metadata.name).toBe('date-pod');
    const described = JSON.parse((await cli.run('-t', SEED, 'describe', 'pod', 'date-pod', '-o', 'json')).stdout);
    expect(described.events.map((e: { reason: string }) => e.reason)).toContain('Started');
    const ipam = JSON.parse((await cli.run('-t', SEED, 'ipam', 'show', '-o', 'json')).stdout);
    expect(ipam.pools[0]).toMatchObject({ cidr: '192.168.0.0/16', size: 65536, inUse: 4 });
    const address = JSON.parse(
      (await cli.run('-t', SEED, 'ipam', 'show', '--ip', '192.168.61.1', '-o', 'json')).stdout,
    );
    expect(address).toMatchObject({ inUse: true, allocation: { owner: 'default/date-pod', node: 'node-1' } });
    const labs = JSON.parse((await cli.run('labs', '-o', 'json')).stdout) as { name: string }[];
    expect(labs.map((l) => l.name)).toContain('route-reflectors');
  });

  it('bgp summary on a large cluster gives the spread, and --all the list', async () => {
    await cli.run('generate', '--nodes', '30', '--design', 'rr', '-o', 'rr30.yaml');
    const short = (await cli.run('-t', 'rr30.yaml', 'bgp', 'summary')).stdout;
    expect(short).toMatch(/^ {2}per machine: min \d+, median \d+, max \d+ over 30 machines \(--all lists each\)$/m);
    expect(short.split('\n').length).toBeLessThan(10);
    expect((await cli.run('-t', 'rr30.yaml', 'bgp', 'summary', '--all')).stdout).toMatch(/^ {2}node-00029 +\d+$/m);
  });

  it('an opened lab keeps a working $schema link for editors', async () => {
    await cli.run('labs', 'open', 'route-reflectors');
    const first = readFileSync(cli.path('route-reflectors/lab.yaml'), 'utf8').split('\n')[0] ?? '';
    const schema = /\$schema=(\S+)$/.exec(first)?.[1] ?? '';
    expect(schema.startsWith('/')).toBe(true);
    expect(JSON.parse(readFileSync(schema, 'utf8')).title).toBe('podnet topology');
  });
});
