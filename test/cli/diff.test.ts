/**
 * `podnet diff`: a mesh against reflectors of the same cluster shows the sessions and nothing
 * else; mesh against AS-per-rack shows the next hops move to the ToRs; a workspace before and
 * after a failure shows what the failure changed. Exit codes follow diff(1): 0 same, 1 differ.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { CliSandbox, repoPath } from '../helpers/cli.js';

const cli = new CliSandbox();
afterAll(() => cli.dispose());

/** The mesh-scaling lab redesigned: no mesh, the master reflects for everyone. */
function reflectorVersion(): string {
  return readFileSync(repoPath('topologies/labs/mesh-scaling/lab.yaml'), 'utf8')
    .replace('$schema=../../../schema/', `$schema=${repoPath('schema')}/`)
    .replace('nodeToNodeMeshEnabled: true', 'nodeToNodeMeshEnabled: false')
    .replace(
      '{ name: master, role: control-plane,',
      '{ name: master, role: control-plane, routeReflectorClusterID: 244.0.0.1, labels: { route-reflector: "true" },',
    )
    .replace(
      'checks:',
      'peers:\n  - { name: to-the-reflector, nodeSelector: "!has(route-reflector)", peerSelector: "has(route-reflector)" }\nchecks:',
    );
}

function section(stdout: string, title: string): string[] {
  const block = stdout.split('\n\n').find((b) => b.startsWith(title));
  return block === undefined ? [] : block.split('\n').slice(1);
}

describe('podnet diff', () => {
  it('mesh vs reflectors of one cluster: the sessions change, routes, FIBs and reachability do not', async () => {
    writeFileSync(cli.path('rr.yaml'), reflectorVersion());
    const { code, stdout } = await cli.run('diff', repoPath('topologies/labs/mesh-scaling/lab.yaml'), 'rr.yaml');
    expect(code).toBe(1);
    const sessions = section(stdout, 'BGP sessions');
    // Node to node, 10 sessions go; the master's 5 stay but become reflector-to-client sessions.
    expect(sessions.filter((l) => /^- node-\d -- node-\d: node-to-node mesh, Established$/.test(l))).toHaveLength(10);
    expect(
      sessions.filter((l) =>
        /^~ master -- node-\d: node-to-node mesh, Established -> rr client of master, Established$/.test(l),
      ),
    ).toHaveLength(5);
    expect(sessions).toHaveLength(15);
    expect(stdout).toMatch(
      /\n15 differences: machines 0, sessions 15, routes 0, fib 0, services 0, policies 0, reachability 0\n$/,
    );
  });

  it('mesh vs AS per rack: next hops move to the ToRs, and the pods reach each other', async () => {
    const { code, stdout } = await cli.run(
      'diff',
      repoPath('topologies/labs/racks-and-tors/lab.yaml'),
      repoPath('topologies/labs/racks-and-tors/solution.yaml'),
    );
    expect(code).toBe(1);
    expect(section(stdout, 'Best routes')).toEqual(
      expect.arrayContaining([
        '~ node-1a 10.244.218.64/26: via 10.0.2.12 [i] -> via 10.0.1.1 [AS65000 65002]',
        '+ tor-1 10.244.218.64/26: via 10.255.0.1 [AS65000 65002]',
      ]),
    );
    expect(section(stdout, 'BGP sessions')).toEqual([
      '- node-1a -- node-2b: node-to-node mesh, Established',
      '+ node-1a -- tor-1: rr client of tor-1, Established',
      '+ node-2b -- tor-2: rr client of tor-2, Established',
      '+ spine -- tor-1: router peer, Established',
      '+ spine -- tor-2: router peer, Established',
    ]);
    // The client listens on nothing: the server's packets now arrive and are refused there.
    expect(section(stdout, 'Reachability')).toEqual([
      '~ default/client -> default/server:80: NO_ROUTE at tor-1 -> ACCEPTED',
      '~ default/server -> default/client:80: NO_ROUTE at tor-2 -> CONNECTION_REFUSED at default/client',
    ]);
  });

  it('a workspace before and after a node fails', async () => {
    const ws = new CliSandbox({ PODNET_INSTANT: '1' });
    try {
      await ws.run('init');
      await ws.run('fail', 'node', 'node-2');
      const { code, stdout } = await ws.run('diff', 'workspace@299s', 'workspace');
      expect(code).toBe(1);
      expect(stdout.split('\n').slice(0, 2)).toEqual(['--- a: workspace at 299s', '+++ b: workspace at 600s']);
      expect(section(stdout, 'Machines')).toEqual(['~ node-2: node AS64512 -> node AS64512 (stopped)']);
      expect(section(stdout, 'BGP sessions')).toEqual([
        '~ k8s-master -- node-2: node-to-node mesh, Established -> node-to-node mesh, Active',
        '~ node-1 -- node-2: node-to-node mesh, Established -> node-to-node mesh, Active',
      ]);
      expect(section(stdout, 'Best routes')).toEqual(
        expect.arrayContaining([
          '- node-1 192.168.247.0/26: via 10.0.1.12 [i]',
          '- k8s-master 192.168.247.0/26: via 10.0.1.12 [i]',
        ]),
      );
    } finally {
      ws.dispose();
    }
  });

  it('says so and exits 0 when nothing differs; -o json carries every section', async () => {
    const lab = repoPath('topologies/seed-lab.yaml');
    const same = await cli.run('diff', lab, lab);
    expect(same).toEqual({
      code: 0,
      stdout: `--- a: ${lab} at 300s\n+++ b: ${lab} at 300s\n\nNo differences.\n`,
      stderr: '',
    });
    const json = await cli.run('diff', `${lab}@1s`, lab, '-o', 'json');
    const parsed = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual([
      'a',
      'b',
      'differences',
      'machines',
      'sessions',
      'routes',
      'fib',
      'services',
      'policies',
      'reachability',
    ]);
    expect(parsed['services']).toEqual([]);
    expect(parsed['sessions']).toEqual(
      expect.arrayContaining([
        { key: 'node-1 -- node-2', a: 'node-to-node mesh, Active', b: 'node-to-node mesh, Established' },
      ]),
    );
    expect(json.code).toBe(1);
  });
});

describe('diff of Services', () => {
  it('shows a Service whose endpoints changed between two moments', async () => {
    expect((await cli.run('init', '--force')).code).toBe(0);
    writeFileSync(
      cli.path('svc.yml'),
      'apiVersion: v1\nkind: Service\nmetadata: { name: date }\nspec:\n  clusterIP: 10.96.50.50\n  selector: { zone: prod }\n  ports: [{ port: 80, targetPort: 8080 }]\n',
    );
    cli.advance(30);
    await cli.run('create', '-f', 'svc.yml');
    cli.advance(10);
    await cli.run('delete', 'pod', 'date-pod');
    cli.advance(10);
    const result = await cli.run('diff', 'workspace@35', 'workspace');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      '~ default/date: ClusterIP 10.96.50.50 80/TCP endpoints 192.168.61.1:8080 -> ClusterIP 10.96.50.50 80/TCP endpoints <none>',
    );
  });
});

describe('podnet diff: reachability on larger clusters', () => {
  const generated = async (file: string, nodes: number, podsPerNode: number): Promise<string> => {
    const made = await cli.run('generate', '--nodes', `${nodes}`, '--pods-per-node', `${podsPerNode}`, '-o', file);
    expect(made.code).toBe(0);
    return cli.path(file);
  };

  it('compares every pair up to 300 pods a side: 300 pods against 270 lose 17,070 pairs', async () => {
    const a = await generated('pods-300.yaml', 30, 10);
    const b = await generated('pods-270.yaml', 30, 9);
    const { code, stdout } = await cli.run('diff', a, b);
    expect(code).toBe(1);
    // 300 × 299 pairs against 270 × 269: the 30 pods gone take every pair they were in.
    expect(stdout).toMatch(/, reachability 17070\n$/);
    expect(stdout).not.toContain('Reachability left out');
    const pairs = section(stdout, 'Reachability');
    expect(pairs).toHaveLength(17070);
    expect(pairs.filter((line) => /^- default\/\S+ -> default\/\S+:\d+: ACCEPTED$/.test(line))).toHaveLength(17070);
  });

  it('leaves reachability out of both sides when one has more than 300 pods', async () => {
    const a = await generated('pods-310.yaml', 31, 10);
    const b = await generated('pods-300b.yaml', 30, 10);
    const { code, stdout } = await cli.run('diff', a, b);
    expect(code).toBe(1);
    expect(stdout).toContain('Reachability left out: more than 300 pods with addresses on a side');
    expect(stdout).toMatch(/, reachability 0\n$/);
    const json = await cli.run('diff', a, b, '-o', 'json');
    expect(JSON.parse(json.stdout)).toMatchObject({ reachabilityLeftOut: true, reachability: [] });
  });
});
