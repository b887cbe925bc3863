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
});
