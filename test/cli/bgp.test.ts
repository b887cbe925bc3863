/** The routing commands, as a user reads them. */
import { writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { nodeFileSystem } from '../../src/io/fs.js';
import type { Terminal } from '../../src/tui/run.js';
import { CliSandbox, repoPath } from '../helpers/cli.js';

let cli: CliSandbox;
beforeEach(() => {
  cli = new CliSandbox({ PODNET_INSTANT: '1' });
});
afterEach(() => cli.dispose());

const SEED = repoPath('topologies/seed-lab.yaml');

describe('podnet bgp routes -o json with ADD-PATH', () => {
  it('lists the peer once and counts both of its paths', async () => {
    const file = repoPath('test/conformance/add-path.yaml');
    const result = await cli.run('-t', file, 'bgp', 'routes', 'node-1', '-o', 'json', '--at', '50s');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject([
      { prefix: '192.168.64.0/26', via: ['Node_10_0_0_2'], paths: 2, decidedBy: 'router-id', nextHop: '10.0.0.101' },
    ]);
  });
});

describe('podnet bgp status', () => {
  it('prints calicoctl node status for a node', async () => {
    const result = await cli.run('-t', SEED, 'bgp', 'status', 'node-1');
    expect(result.stdout).toBe(
      [
        'Calico process is running.',
        '',
        'IPv4 BGP status',
        '+--------------+-------------------+-------+----------+-------------+',
        '| PEER ADDRESS |     PEER TYPE     | STATE |  SINCE   |    INFO     |',
        '+--------------+-------------------+-------+----------+-------------+',
        '| 10.0.1.10    | node-to-node mesh | up    | 00:00:02 | Established |',
        '| 10.0.1.12    | node-to-node mesh | up    | 00:00:02 | Established |',
        '+--------------+-------------------+-------+----------+-------------+',
        '',
        'IPv6 BGP status',
        'No IPv6 peers found.',
        '',
      ].join('\n'),
    );
  });

  it("names an unknown node's closest match, exit 1", async () => {
    expect(await cli.run('-t', SEED, 'bgp', 'status', 'node-3')).toMatchObject({
      code: 1,
      stderr: 'Error: node or router "node-3" not found (did you mean "node-1"?)\n',
    });
  });

  it('gives JSON with -o json', async () => {
    const peers = JSON.parse((await cli.run('-t', SEED, 'bgp', 'status', 'node-2', '-o', 'json')).stdout)[0].peers;
    expect(peers.map((p: { name: string; state: string }) => `${p.name} ${p.state}`)).toEqual([
      'Mesh_10_0_1_10 Established',
      'Mesh_10_0_1_11 Established',
    ]);
  });
});

describe('podnet bgp routes / routes / route explain', () => {
  it('shows the BIRD table with the best routes marked', async () => {
    const { stdout } = await cli.run('-t', SEED, 'bgp', 'routes', 'node-1');
    expect(stdout.split('\n')[0]).toBe('BIRD v0.3.3+birdv1.6.8 ready.');
    expect(stdout).toMatch(/^192\.168\.61\.0\/26 {4}blackhole \[static1 00:00:00\] \* \(200\)$/m);
    expect(stdout).toMatch(
      /^192\.168\.247\.0\/26 {3}via 10\.0\.1\.12 on eth0 \[Mesh_10_0_1_12 00:00:02\] \* \(100\/0\) \[i\]$/m,
    );
  });

  it('shows reflected routes with `from` and, with --all, their attributes', async () => {
    const { stdout } = await cli.run('-t', repoPath('topologies/rr-lab.yaml'), 'bgp', 'routes', 'node-1', '--all');
    expect(stdout).toMatch(/via 10\.0\.0\.14 on eth0 \[Node_10_0_0_2 00:00:02 from 10\.0\.0\.2\] \* \(100\/0\) \[i\]/);
    expect(stdout).toContain('\tBGP.originator_id: 10.0.0.14\n\tBGP.cluster_list: 244.0.0.1\n');
  });

  it('prints the FIB as ip route does', async () => {
    expect((await cli.run('-t', SEED, 'routes', 'node-1')).stdout).toBe(
      [
        'default via 10.0.1.1 dev eth0',
        '10.0.1.0/24 dev eth0 proto kernel scope link src 10.0.1.11',
        'blackhole 192.168.61.0/26 proto bird',
        '192.168.61.1 dev calid877f6675a9 scope link',
        '192.168.235.64/26 via 10.0.1.10 dev tunl0 proto bird onlink',
        '192.168.247.0/26 via 10.0.1.12 dev tunl0 proto bird onlink',
        '',
      ].join('\n'),
    );
  });

  it('names the eliminating rule and the values compared for a loser', async () => {
    const file = repoPath('topologies/ebgp-paths.yaml');
    const block = /Block +\| (\S+)/.exec(
      (await cli.run('-t', file, 'ipam', 'show', '--show-blocks')).stdout,
    )?.[1] as string;
    const { stdout } = await cli.run('-t', file, 'route', 'explain', 'node-a', block);
    expect(stdout).toMatch(/^ {2}best {3}via 10\.1\.0\.1 from edge-1 \(Node_10_1_0_1, eBGP\), AS path 65001 65102,/m);
    // edge-2 passes edge-1's next hop on unchanged: it is on the subnet edge-2 shares with node-a
    // (a third-party next hop, as BIRD does; test/conformance/ebgp-longer-path.yaml checks it).
    expect(stdout).toMatch(
      /^ {2}lost {3}via 10\.1\.0\.1 from edge-2 \(Node_10_1_0_2, eBGP\), AS path 65002 65001 65102,/m,
    );
    expect(stdout).toMatch(/^ {9}eliminated by as-path-length 3 > 2 \(RFC 4271 §9\.1\.2\.2\(a\): shorter AS_PATH\)$/m);
    const json = JSON.parse((await cli.run('-t', file, 'route', 'explain', 'node-a', block, '-o', 'json')).stdout);
    expect(json).toMatchObject({
      decidedBy: 'as-path-length',
      losers: [{ rule: 'as-path-length', comparison: 'as-path-length 3 > 2', asPath: [65002, 65001, 65102] }],
    });
  });

  it('explains the deciding rule for the best and each alternative', async () => {
    const { stdout } = await cli.run(
      '-t',
      repoPath('topologies/rr-lab.yaml'),
      'route',
      'explain',
      'rr-1',
      '192.168.33.192/26',
    );
    expect(stdout).toMatch(/^192\.168\.33\.192\/26 on rr-1: 2 candidates$/m);
    expect(stdout).toMatch(/^ {2}best {3}via 10\.0\.0\.14 from node-4 \(Node_10_0_0_14, iBGP\)/m);
    // BIRD's merge paths also merges the reflected copy: same next hop, equal down to the IGP metric.
    expect(stdout).toMatch(
      /^ {2}ecmp {3}via 10\.0\.0\.14 from rr-2 \(Node_10_0_0_3, iBGP\), .*originator 10\.0\.0\.14, cluster list 244\.0\.0\.1/m,
    );
    expect(stdout).toMatch(
      /^ {9}equal to the best down to igp-metric: installed as an ECMP next hop \(merge paths on\); ordered by cluster-list-length 1 > 0$/m,
    );
    expect(stdout).toMatch(/^Decided by: cluster-list-length/m);
  });

  it('says "only route" when there is one', async () => {
    expect((await cli.run('-t', SEED, 'route', 'explain', 'node-1', '192.168.247.0/26')).stdout).toMatch(
      /Decided by: only route\n$/,
    );
  });
});

describe('failures through the workspace', () => {
  it('fail node, then the summary and timeline show the withdrawal after the hold time; restore brings it back', async () => {
    await cli.run('init');
    expect((await cli.run('fail', 'node', 'node-2')).stdout).toBe('node-2 stopped at 300.0s simulated\n');
    const summary = (await cli.run('bgp', 'summary')).stdout;
    expect(summary).toMatch(/^Sessions: 1\/3 established \(node-to-node mesh 3\)$/m);
    const events = (await cli.run('events', '--node', 'node-1')).stdout;
    expect(events).toMatch(/^ +482\.\d{3}s {2}node-1 {2}session {2}Mesh_10_0_1_12 Idle \(Hold timer expired\)$/m);
    expect(events).toMatch(/^ +482\.\d{3}s {2}node-1 {2}route {4}192\.168\.247\.0\/26 withdrawn$/m);
    expect(events).toContain(
      "Unreachable meanwhile: routes still pointing at a stopped node, until the hold timer withdrew them\n  192.168.247.0/26 (node-2's) on node-1: 300.0s to 482.0s (182.0s)\n",
    );
    expect((await cli.run('bgp', 'status')).stdout).toMatch(/^node-2:\nCalico process is not running\.$/m);
    await cli.run('restore', 'node', 'node-2');
    expect((await cli.run('bgp', 'summary')).stdout).toMatch(/^Sessions: 3\/3 established/m);
  });

  it('--at shows the black hole during reconvergence', async () => {
    await cli.run('init');
    await cli.run('fail', 'node', 'node-2');
    expect((await cli.run('routes', 'node-1', '--at', '400')).stdout).toContain(
      '192.168.247.0/26 via 10.0.1.12 dev tunl0',
    );
    // Keepalives came at ~2 s, 82 s, 162 s, 242 s: the hold timer runs out at ~482 s.
    expect((await cli.run('routes', 'node-1', '--at', '481')).stdout).toContain('192.168.247.0/26');
    expect((await cli.run('routes', 'node-1', '--at', '9m')).stdout).not.toContain('192.168.247.0/26');
    expect(await cli.run('routes', 'node-1', '--at', 'soon')).toMatchObject({
      code: 1,
      stderr: 'error: --at "soon" is not a time such as 90, 90s, 5m or 1h\n',
    });
  });

  it('block-port leaves the session Active with the reason', async () => {
    await cli.run('init');
    await cli.run('block-port', 'node-2');
    expect((await cli.run('bgp', 'status', 'node-2')).stdout).toMatch(
      /\| 10\.0\.1\.11 +\| node-to-node mesh \| start \| \d\d:\d\d:\d\d \| Active Socket: Connection refused \|/,
    );
  });

  it('fail session is birdc disable: both ends withdraw at once, the disabled side is down; restore reconnects', async () => {
    await cli.run('init');
    expect((await cli.run('fail', 'session', 'node-1', 'node-2')).stdout).toBe(
      'node-1: birdc disable Mesh_10_0_1_12 (the session with node-2) at 300.0s simulated\n',
    );
    // Cease, not a silent death: no hold timer, the routes are gone at the moment of the disable.
    expect((await cli.run('routes', 'node-1', '--at', '301')).stdout).not.toContain('192.168.247.0/26');
    expect((await cli.run('routes', 'node-2', '--at', '301')).stdout).not.toContain('192.168.61.0/26');
    expect((await cli.run('bgp', 'status', 'node-1')).stdout).toMatch(
      /\| 10\.0\.1\.12 +\| node-to-node mesh \| down +\| \d\d:\d\d:\d\d \| +\|/,
    );
    expect((await cli.run('bgp', 'status', 'node-2')).stdout).toMatch(
      /\| 10\.0\.1\.11 +\| node-to-node mesh \| start \| \d\d:\d\d:\d\d \| Active Socket: Connection closed \|/,
    );
    expect((await cli.run('events', '--node', 'node-1')).stdout).toMatch(
      /^ +300\.000s {2}node-1 {2}event {4}Mesh_10_0_1_12 disabled$/m,
    );
    // The other sessions carry on: node-1 still reaches k8s-master's block.
    expect((await cli.run('bgp', 'summary')).stdout).toMatch(/^Sessions: 2\/3 established/m);
    await cli.run('restore', 'session', 'node-1', 'node-2');
    expect((await cli.run('bgp', 'summary')).stdout).toMatch(/^Sessions: 3\/3 established/m);
    expect((await cli.run('routes', 'node-1')).stdout).toContain('192.168.247.0/26 via 10.0.1.12 dev tunl0');
    const none = await cli.run('fail', 'session', 'node-1', 'node-9');
    expect(none).toMatchObject({ code: 1 });
    expect(none.stderr).toContain('node or router "node-9" not found');
  });

  it('restart node is a calico-node restart: peers keep its routes stale, it answers nothing until BIRD is back', async () => {
    await cli.run('init');
    expect((await cli.run('restart', 'node', 'node-2', '--down-for', '30s')).stdout).toBe(
      'node-2: calico-node restarted gracefully, BIRD down for 30s (peers keep its routes as stale) at 300.0s simulated\n',
    );
    expect((await cli.run('bgp', 'status', 'node-2', '--at', '310')).stdout).toBe('Calico process is not running.\n');
    expect((await cli.run('routes', 'node-1', '--at', '310')).stdout).toContain(
      '192.168.247.0/26 via 10.0.1.12 dev tunl0',
    );
    expect((await cli.run('events', '--node', 'node-1', '--at', '340')).stdout).toMatch(
      /^ +300\.000s {2}node-1 {2}event {4}Mesh_10_0_1_12: neighbor graceful restart, 1 route kept stale for 120s$/m,
    );
    expect((await cli.run('bgp', 'summary', '--at', '340')).stdout).toMatch(/^Sessions: 3\/3 established/m);
    await cli.run('fail', 'node', 'node-1');
    expect(await cli.run('restart', 'node', 'node-1')).toMatchObject({
      code: 1,
      stderr: 'error: node-1 is stopped: restore it first, there is no BIRD to restart\n',
    });
    expect(await cli.run('restart', 'node', 'node-2', '--down-for', 'long')).toMatchObject({
      code: 1,
      stderr: 'error: --down-for "long" is not a time such as 90, 90s, 5m or 1h\n',
    });
    // Each change lets 300 s pass; a BIRD down for 10 minutes is still down at the next command.
    await cli.run('restart', 'node', 'node-2', '--down-for', '10m');
    expect(await cli.run('restart', 'node', 'node-2')).toMatchObject({
      code: 0,
      stdout: 'node-2: BIRD is already down for a graceful restart, back at 1500.0s: nothing to restart\n',
    });
  });

  it('a topology event disables a session at its moment and enables it at another', async () => {
    const file = cli.path('sessions.yaml');
    writeFileSync(
      file,
      [
        'cluster: { name: sessions }',
        'nodes:',
        '  - { name: node-1, address: 10.0.1.11/24 }',
        '  - { name: node-2, address: 10.0.1.12/24 }',
        'pods:',
        '  - { apiVersion: v1, kind: Pod, metadata: { name: a }, spec: { nodeName: node-1, containers: [{ name: a, image: nginx }] } }',
        'events:',
        '  - { at: 60s, action: session-down, session: [node-1, node-2] }',
        '  - { at: 120s, action: session-up, session: [node-1, node-2] }',
        '',
      ].join('\n'),
    );
    expect((await cli.run('-t', file, 'routes', 'node-2', '--at', '59')).stdout).toContain('192.168.61.0/26');
    expect((await cli.run('-t', file, 'routes', 'node-2', '--at', '61')).stdout).not.toContain('192.168.61.0/26');
    expect((await cli.run('-t', file, 'routes', 'node-2', '--at', '130')).stdout).toContain('192.168.61.0/26');
  });

  it('refuses to change a topology file given with -t', async () => {
    expect(await cli.run('-t', SEED, 'fail', 'node', 'node-2')).toMatchObject({ code: 1 });
  });
});

describe('podnet tui without a terminal', () => {
  it('prints the plain summary instead of hanging, and says why', async () => {
    const result = await cli.run('tui', SEED);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Cluster seed-lab, .*seed-lab\.yaml, simulated time 300\.0s$/m);
    expect(result.stdout).toContain('$ podnet bgp summary');
    expect(result.stderr).toBe(
      'podnet tui: standard output is not a terminal, so this is the summary; run it in a terminal for the interactive view\n',
    );
  });
});

describe('podnet tui in a terminal with CI set', () => {
  it('prints the summary and says why, rather than a blank screen', async () => {
    let stdout = '';
    let stderr = '';
    const terminal = { stdin: process.stdin, stdout: process.stdout } as unknown as Terminal;
    const code = await main(['tui', SEED], {
      stdout: (text) => {
        stdout += text;
      },
      stderr: (text) => {
        stderr += text;
      },
      env: { CI: 'true' },
      cwd: cli.dir,
      wallMs: () => 0,
      fs: nodeFileSystem,
      terminal,
    });
    expect(code).toBe(0);
    expect(stdout).toContain('$ podnet bgp summary');
    expect(stderr).toMatch(/^podnet tui: CI is set, and the terminal UI does not draw under CI/);
  });
});

describe("Calico's template: every node session is multihop", () => {
  const EDGE = repoPath('test/conformance/edge-ecmp.yaml');

  it('so a node puts itself as next hop towards another AS, and the edge installs ECMP over all three', async () => {
    const exported = (await cli.run('-t', EDGE, 'export', 'bird', 'node-2')).stdout;
    // As in Calico's template, multihop is in bgp_template, which every node session is made from.
    expect(exported).toMatch(/template bgp bgp_template \{\n {2}local as 64512;\n {2}multihop;\n/);
    expect(exported).toContain('protocol bgp Global_10_0_0_1 from bgp_template {');
    const routes = (await cli.run('-t', EDGE, 'routes', 'edge')).stdout;
    expect(routes).toContain(
      '192.168.61.0/26 proto bird \n\tnexthop via 10.0.0.11 dev eth0 weight 1 \n\tnexthop via 10.0.0.12 dev eth0 weight 1 \n\tnexthop via 10.0.0.13 dev eth0 weight 1\n',
    );
    // The edge's own config stays direct on its subnet: it is the user's, not Calico's.
    expect((await cli.run('-t', EDGE, 'export', 'bird', 'edge')).stdout).not.toContain('multihop');
  });
});
