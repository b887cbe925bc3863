/**
 * Every key the topology schema accepts has an effect a user can see, or is refused where it
 * stands (test/cli/not-modelled.test.ts). The first test walks the shipped JSON Schema and finds,
 * for each accepted key, a test or shipped topology that writes it; the others here show the
 * effects of keys no other test wrote.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliSandbox, repoPath, tableCell, tableRows } from '../helpers/cli.js';

let cli: CliSandbox;
beforeEach(() => {
  cli = new CliSandbox();
});
afterEach(() => cli.dispose());

/** Accepted keys whose effect no test asserts yet, each with why; a key listed here and used is an error. */
const NOT_YET_ASSERTED: Readonly<Record<string, string>> = {};

function schemaKeys(): Map<string, 'accepted' | 'refused'> {
  const keys = new Map<string, 'accepted' | 'refused'>();
  const walk = (node: unknown): void => {
    if (typeof node !== 'object' || node === null) return;
    const properties = (node as { properties?: Record<string, { description?: string }> }).properties ?? {};
    for (const [key, value] of Object.entries(properties)) {
      const refused = value.description?.startsWith('refused') === true;
      if (refused || keys.get(key) !== 'refused') keys.set(key, refused ? 'refused' : 'accepted');
    }
    Object.values(node).forEach(walk);
  };
  walk(JSON.parse(readFileSync(repoPath('schema/topology.schema.json'), 'utf8')));
  return keys;
}

function filesUnder(dir: string, pattern: RegExp): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path, pattern);
    return pattern.test(entry.name) ? [path] : [];
  });
}

const SEED = readFileSync(repoPath('topologies/seed-lab.yaml'), 'utf8').replace(/\npods:\n.*\n/, '\n');

describe('every accepted key of the topology schema', () => {
  it('is written by some test or shipped topology that checks what it does', () => {
    const sources = [...filesUnder(repoPath('test'), /\.tsx?$/), ...filesUnder(repoPath('topologies'), /\.ya?ml$/)]
      .filter((file) => !/schema\.test|not-modelled\.test/.test(file))
      .map((file) => readFileSync(file, 'utf8'))
      .join('\n')
      // This file's list of gaps names keys without writing them.
      .replace(/const NOT_YET_ASSERTED[^;]*;/, '');
    const unwritten = [...schemaKeys()]
      .filter(([key, how]) => how === 'accepted' && !new RegExp(`\\b${key}\\b"?\\s*:`).test(sources))
      .map(([key]) => key);
    expect(unwritten.sort()).toEqual(Object.keys(NOT_YET_ASSERTED).sort());
  });
});

describe('keys and what they do', () => {
  it('images with pullSeconds: the pod waits in ContainerCreating for its pull', async () => {
    writeFileSync(
      cli.path('lab.yaml'),
      `${SEED}images:\n  myorg/slow:1.0: { pullSeconds: 30, ports: [80] }\npods:\n  - { apiVersion: v1, kind: Pod, metadata: { name: slow }, spec: { containers: [{ name: app, image: myorg/slow:1.0 }] } }\n`,
    );
    const at = async (t: string) =>
      tableCell((await cli.run('-t', 'lab.yaml', 'get', 'pods', '--at', t)).stdout, 'slow', 'STATUS');
    expect(await at('20s')).toBe('ContainerCreating');
    expect(await at('40s')).toBe('Running');
  });

  it('ipam autoAllocateBlocks: false: no block can be claimed, so the pod gets no address', async () => {
    writeFileSync(
      cli.path('lab.yaml'),
      `${SEED.replace('  ipam:\n', '  ipam:\n    autoAllocateBlocks: false\n')}pods:\n  - { apiVersion: v1, kind: Pod, metadata: { name: stuck }, spec: { containers: [{ name: app, image: nginx }] } }\n`,
    );
    const pods = (await cli.run('-t', 'lab.yaml', 'get', 'pods')).stdout;
    expect(tableCell(pods, 'stuck', 'STATUS')).toBe('ContainerCreating');
    expect((await cli.run('-t', 'lab.yaml', 'describe', 'pod', 'stuck')).stdout).toContain('FailedCreatePodSandBox');
  });

  it("a pool's disableBGPExport: its blocks stay off BGP, so other nodes have no route to them", async () => {
    const pod =
      '  - { apiVersion: v1, kind: Pod, metadata: { name: web }, spec: { nodeName: node-2, containers: [{ name: app, image: nginx }] } }\n';
    writeFileSync(cli.path('on.yaml'), `${SEED}pods:\n${pod}`);
    writeFileSync(
      cli.path('off.yaml'),
      `${SEED.replace('    natOutgoing: true', '    disableBGPExport: true\n    natOutgoing: true')}pods:\n${pod}`,
    );
    const routes = async (file: string) => (await cli.run('-t', file, 'routes', 'node-1')).stdout;
    expect(await routes('on.yaml')).toMatch(/^192\.168\.247\.0\/26 via 10\.0\.1\.12 dev tunl0/m);
    expect(await routes('off.yaml')).not.toContain('192.168.247.0/26');
  });

  it("a BGPPeer's nextHopMode Self rewrites the next hop to the node; keepOriginalNextHop keeps the owner's", async () => {
    const design = (option: string) =>
      `${SEED}routers:\n  - name: tor\n    asNumber: 65000\n    interfaces: [{ name: eth0, address: 10.0.1.1/24 }]\n    peers: [{ node: node-1 }]\n` +
      `peers:\n  - { name: n1-tor, node: node-1, peerIP: 10.0.1.1, asNumber: 65000, ${option} }\n` +
      'pods:\n  - { apiVersion: v1, kind: Pod, metadata: { name: web }, spec: { nodeName: node-2, containers: [{ name: app, image: nginx }] } }\n';
    writeFileSync(cli.path('self.yaml'), design('nextHopMode: Self'));
    writeFileSync(cli.path('keep.yaml'), design('keepOriginalNextHop: true'));
    const node2Block = async (file: string) =>
      (await cli.run('-t', file, 'bgp', 'routes', 'tor')).stdout
        .split('\n')
        .find((l) => l.startsWith('192.168.247.0/26'));
    expect(await node2Block('self.yaml')).toMatch(/via 10\.0\.1\.11 on eth0/);
    expect(await node2Block('keep.yaml')).toMatch(/via 10\.0\.1\.12 on eth0/);
  });

  it("a v1 Node's podCIDRs: shown on the Node, as kube-controller-manager assigned it", async () => {
    writeFileSync(
      cli.path('lab.yaml'),
      `${SEED}---\napiVersion: v1\nkind: Node\nmetadata: { name: node-1 }\nspec:\n  podCIDRs: [10.244.1.0/24]\n`,
    );
    const node = JSON.parse((await cli.run('-t', 'lab.yaml', 'get', 'node', 'node-1', '-o', 'json')).stdout);
    expect(node.spec).toMatchObject({ podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] });
  });

  it('annotations: on the pod as written, and a change-cause in the rollout history', async () => {
    expect((await cli.run('init', '--no-pods')).code).toBe(0);
    writeFileSync(
      cli.path('web.yml'),
      `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations: { kubernetes.io/change-cause: first version }
spec:
  replicas: 1
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web }, annotations: { team: blue } }
    spec: { containers: [{ name: web, image: nginx }] }
`,
    );
    await cli.run('create', '-f', 'web.yml');
    const pod = tableRows((await cli.run('get', 'pods')).stdout)[1]?.[0] as string;
    expect((await cli.run('describe', 'pod', pod)).stdout).toMatch(/^\s+team: blue$/m);
    expect((await cli.run('rollout', 'history', 'deploy/web')).stdout).toContain('1         first version\n');
  });

  it('uid, creationTimestamp and status copied from get -o yaml are replaced, as the API server does', async () => {
    await cli.run('init');
    cli.advance(30);
    const yaml = (await cli.run('get', 'pod', 'date-pod', '-o', 'yaml')).stdout;
    const uid = /^ {2}uid: (\S+)$/m.exec(yaml)?.[1];
    expect(yaml).toMatch(/^ {2}creationTimestamp: /m);
    expect(yaml).toMatch(/^status:/m);
    writeFileSync(cli.path('copy.yaml'), yaml);
    await cli.run('delete', 'pod', 'date-pod');
    cli.advance(10);
    expect(await cli.run('create', '-f', 'copy.yaml')).toMatchObject({ code: 0, stdout: 'pod/date-pod created\n' });
    const again = (await cli.run('get', 'pod', 'date-pod', '-o', 'yaml')).stdout;
    expect(/^ {2}uid: (\S+)$/m.exec(again)?.[1]).not.toBe(uid);
    expect(tableCell((await cli.run('get', 'pods')).stdout, 'date-pod', 'AGE')).toBe('0s');
  });

  it("hostPort: the node's port is DNATed to the pod (the CNI portmap plugin)", async () => {
    await cli.run('init');
    writeFileSync(
      cli.path('hp.yml'),
      'apiVersion: v1\nkind: Pod\nmetadata: { name: hp }\nspec:\n  nodeName: node-2\n  containers: [{ name: web, image: nginx, ports: [{ containerPort: 80, hostPort: 8080 }] }]\n',
    );
    await cli.run('create', '-f', 'hp.yml');
    cli.advance(30);
    const trace = (await cli.run('trace', 'date-pod', '10.0.1.12:8080')).stdout;
    expect(trace).toMatch(/HOST_PORT\s+hostPort 8080: DNAT to 192\.168\.247\.1:80 \(CNI portmap, pod default\/hp\)/);
    expect(trace).toContain('=> ACCEPTED at default/hp: web accepted 80/TCP');
  });

  it('a readiness probe with periodSeconds, successThreshold and scheme HTTPS', async () => {
    await cli.run('init', '--no-pods');
    writeFileSync(
      cli.path('probe.yml'),
      `apiVersion: v1
kind: Pod
metadata: { name: twice }
spec:
  containers:
  - name: web
    image: nginx
    ports: [{ containerPort: 80 }]
    readinessProbe: { tcpSocket: { port: 80 }, periodSeconds: 20, successThreshold: 2 }
---
apiVersion: v1
kind: Pod
metadata: { name: tls }
spec:
  containers:
  - name: web
    image: nginx
    readinessProbe: { httpGet: { port: 443, scheme: HTTPS } }
`,
    );
    await cli.run('create', '-f', 'probe.yml');
    cli.advance(15);
    expect(tableCell((await cli.run('get', 'pods')).stdout, 'twice', 'READY')).toBe('0/1');
    cli.advance(15);
    expect(tableCell((await cli.run('get', 'pods')).stdout, 'twice', 'READY')).toBe('1/1');
    expect((await cli.run('describe', 'pod', 'tls')).stdout).toContain('Readiness probe failed: Get "https://');
  });

  it('a Deployment: matchExpressions with values, strategy rollingUpdate maxSurge/maxUnavailable, minReadySeconds, revisionHistoryLimit', async () => {
    await cli.run('init', '--no-pods');
    const manifest = (image: string) => `apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  replicas: 3
  minReadySeconds: 20
  revisionHistoryLimit: 1
  selector:
    matchExpressions: [{ key: app, operator: In, values: [web] }]
  strategy:
    type: RollingUpdate
    rollingUpdate: { maxSurge: 0, maxUnavailable: 1 }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: web, image: ${image} }] }
`;
    for (const [file, image] of [
      ['v1.yml', 'nginx'],
      ['v2.yml', 'httpd'],
      ['v3.yml', 'redis'],
    ] as const)
      writeFileSync(cli.path(file), manifest(image));
    await cli.run('create', '-f', 'v1.yml');
    expect(tableCell((await cli.run('get', 'deploy', '-o', 'wide')).stdout, 'web', 'SELECTOR')).toBe('app in (web)');
    cli.advance(60);
    await cli.run('apply', '-f', 'v2.yml');
    // maxSurge 0: an old pod goes before a new one is made, never more than 3 in all.
    const counts = async () =>
      tableRows((await cli.run('get', 'rs')).stdout)
        .slice(1)
        .map((row) => Number(row[1]))
        .sort();
    expect(await counts()).toEqual([1, 2]);
    // minReadySeconds 20: 10 s after the new pod is Ready it is not yet available; nothing moves.
    cli.advance(15);
    expect(await counts()).toEqual([1, 2]);
    cli.advance(120);
    expect(await counts()).toEqual([0, 3]);
    await cli.run('apply', '-f', 'v3.yml');
    cli.advance(200);
    // revisionHistoryLimit 1: one old ReplicaSet is kept, the oldest is gone.
    expect(tableRows((await cli.run('get', 'rs')).stdout).slice(1)).toHaveLength(2);
    expect((await cli.run('rollout', 'history', 'deploy/web')).stdout).toMatch(/\n2 +<none>\n3 +<none>\n$/);
  });
});
