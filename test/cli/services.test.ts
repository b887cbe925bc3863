/**
 * Services as a user meets them: kubeadm's built-in ones, a Deployment behind a ClusterIP (one
 * trace branch per endpoint, each 1/3), no endpoints (kube-proxy's REJECT), NodePort under both
 * externalTrafficPolicy values, DNS names and NXDOMAIN, endpoints that follow a node failure, and
 * bad Services refused where they stand.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliSandbox, tableCell, tableRows } from '../helpers/cli.js';

let cli: CliSandbox;
beforeEach(async () => {
  cli = new CliSandbox();
  expect((await cli.run('init')).code).toBe(0);
});
afterEach(() => cli.dispose());

const WEB = `apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  replicas: 3
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: web, image: nginx, ports: [{ containerPort: 80, name: http }] }] }
---
apiVersion: v1
kind: Service
metadata: { name: web }
spec:
  selector: { app: web }
  ports: [{ port: 8080, targetPort: http }]
`;

function branches(stdout: string): { kind: string; dnat: string }[] {
  return stdout
    .split(/^Trace \d+ of \d+: /m)
    .slice(1)
    .map((text) => ({
      kind: text.split('\n')[0] as string,
      dnat: /SERVICE_DNAT +(.*)$/m.exec(text)?.[1] ?? '',
    }));
}

describe("kubeadm's built-in Services", () => {
  it('kubernetes.default:443 resolves, is DNATed to the API server on the control plane, and is accepted', async () => {
    expect(tableRows((await cli.run('get', 'svc', '-A')).stdout).map((row) => row.slice(0, 5))).toEqual([
      ['NAMESPACE', 'NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP'],
      ['default', 'kubernetes', 'ClusterIP', '10.96.0.1', '<none>'],
      ['kube-system', 'kube-dns', 'ClusterIP', '10.96.0.10', '<none>'],
    ]);
    const named = (await cli.run('trace', 'date-pod', 'kubernetes.default:443')).stdout;
    expect(named).toMatch(
      /DNS_LOOKUP +kubernetes\.default -> 10\.96\.0\.1: kubernetes\.default\.svc\.cluster\.local answered \(tried kubernetes\.default\.default\.svc\.cluster\.local, kubernetes\.default\.svc\.cluster\.local;/,
    );
    // kube-proxy's chain for default/kubernetes:https, as every cluster has it.
    expect(named).toContain('KUBE-SERVICES -> KUBE-SVC-NPX46M4PTMTKRN6Y -> KUBE-SEP-');
    expect(named).toContain('default/kubernetes to k8s-master 10.0.1.10:6443');
    expect(named).toContain('=> ACCEPTED at k8s-master: kube-apiserver on k8s-master accepted 6443/TCP');
    const byIp = (await cli.run('trace', 'date-pod', '10.96.0.1:443')).stdout;
    expect(byIp).not.toContain('DNS_LOOKUP');
    expect(byIp).toContain('=> ACCEPTED at k8s-master');
  });

  it('an unknown DNS name is NXDOMAIN, said as a disposition', async () => {
    const result = await cli.run('trace', 'date-pod', 'nosuch.default.svc.cluster.local');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Trace 1 of 1: NXDOMAIN');
    expect(result.stdout).toContain('nosuch.default.svc.cluster.local does not resolve: NXDOMAIN from the cluster DNS');
  });
});

describe('a Deployment behind a ClusterIP', () => {
  it('forks into a branch per endpoint, 1/3 each, all accepted on the container port; no endpoints is a REJECT', async () => {
    writeFileSync(cli.path('web.yml'), WEB);
    expect((await cli.run('create', '-f', 'web.yml')).stdout).toBe(
      'deployment.apps/web created\nservice/web created\n',
    );
    cli.advance(30);
    expect(tableRows((await cli.run('get', 'endpoints', 'web')).stdout)[1]?.[1]?.split(',')).toHaveLength(3);
    const traced = branches((await cli.run('trace', 'date-pod', 'web')).stdout);
    expect(traced.map((b) => b.kind)).toEqual(['ACCEPTED', 'ACCEPTED', 'ACCEPTED']);
    expect(traced.map((b) => /rule probability ([\d.]+)/.exec(b.dnat)?.[1])).toEqual([
      '0.3333333333',
      '0.5000000000',
      '1',
    ]);
    expect(traced.every((b) => b.dnat.includes('1/3 of new connections') && /:80 \(rule/.test(b.dnat))).toBe(true);
    const one = await cli.run(
      'trace',
      'date-pod',
      'web.default',
      '--endpoint',
      traced[1]?.dnat.split(' ')[7] as string,
    );
    expect(branches(one.stdout)).toHaveLength(1);

    const both = (await cli.run('trace', 'date-pod', 'web', '--bidirectional')).stdout;
    expect(both).toMatch(
      /UN_DNAT +conntrack reverses kube-proxy's DNAT: the reply's source 192\.168\.\d+\.\d+:80 becomes 10\.\d+\.\d+\.\d+:8080/,
    );

    expect(await cli.run('expose', 'deploy/web', '--name', 'web2', '--type', 'NodePort')).toMatchObject({
      code: 0,
      stdout: 'service/web2 exposed\n',
    });
    const exposed = tableRows((await cli.run('get', 'svc', 'web2', '-o', 'wide')).stdout)[1] ?? [];
    expect([exposed[1], exposed[4]?.replace(/:\d+/, ':N'), exposed[6]]).toEqual(['NodePort', '80:N/TCP', 'app=web']);

    const matrix = tableRows((await cli.run('reach', '--services', '--from', "zone == 'prod'")).stdout);
    expect(matrix[0]).toEqual(['FROM \\ TO', 'kubernetes:443', 'web:8080', 'web2:80', 'kube-system/kube-dns:53']);
    expect(matrix[1]).toEqual(['date-pod', 'ACCEPTED 1/1', 'ACCEPTED 3/3', 'ACCEPTED 3/3', 'REJECTED']);

    await cli.run('scale', 'deploy', 'web', '--replicas', '0');
    const rejected = (await cli.run('trace', 'date-pod', 'web')).stdout;
    expect(rejected).toContain('Trace 1 of 1: REJECTED');
    expect(rejected).toContain(
      "=> REJECTED at node-1: service default/web has no endpoints for port 8080: kube-proxy's REJECT",
    );
    expect(tableCell((await cli.run('get', 'endpoints')).stdout, 'web', 'ENDPOINTS')).toBe('<none>');
  });
});

describe('NodePort', () => {
  it('Cluster masquerades external traffic; Local keeps the client address and drops where no endpoint runs', async () => {
    writeFileSync(
      cli.path('np.yml'),
      `${WEB.replace('replicas: 3', 'replicas: 1')}  type: NodePort\n  externalTrafficPolicy: Local\n`.replace(
        'ports: [{ port: 8080, targetPort: http }]',
        'ports: [{ port: 8080, targetPort: http, nodePort: 30080 }]',
      ),
    );
    await cli.run('create', '-f', 'np.yml');
    cli.advance(30);
    const pod = tableRows((await cli.run('get', 'pods', '-o', 'wide')).stdout).find((row) =>
      row[0]?.startsWith('web-'),
    );
    const [home, away] = pod?.[6] === 'node-1' ? ['10.0.1.11', '10.0.1.12'] : ['10.0.1.12', '10.0.1.11'];
    const local = (await cli.run('trace', 'date-pod', `${home}:30080`)).stdout;
    expect(local).toContain('KUBE-NODEPORTS -> KUBE-SVC-');
    expect(local).not.toContain('kube-proxy MASQUERADE');
    expect(local).toMatch(/=> ACCEPTED at default\/web-/);
    const dropped = (await cli.run('trace', 'date-pod', `${away}:30080`)).stdout;
    expect(dropped).toMatch(/=> DROPPED at node-\d: service default\/web has no local endpoints/);

    const cluster = readFileSync(cli.path('np.yml'), 'utf8').replace(
      'externalTrafficPolicy: Local',
      'externalTrafficPolicy: Cluster',
    );
    writeFileSync(cli.path('np.yml'), cluster);
    expect((await cli.run('apply', '-f', 'np.yml')).stdout).toContain('service/web configured\n');
    const masqueraded = (await cli.run('trace', 'date-pod', `${away}:30080`)).stdout;
    expect(masqueraded).toMatch(
      /kube-proxy MASQUERADE 192\.168\.61\.1 -> 10\.0\.1\.1\d \(external traffic under externalTrafficPolicy: Cluster\)/,
    );
    expect(masqueraded).toMatch(/=> ACCEPTED at default\/web-/);
  });
});

describe('NodePort from a router outside the cluster', () => {
  it('Cluster: the pod sees the node as the source; Local: the router address, and a drop where no endpoint runs', async () => {
    const seed = readFileSync(cli.path('.podnet/topology.yaml'), 'utf8').replace(/^pods:[\s\S]*$/m, '');
    const design = (policy: string) =>
      `${seed}routers:\n  - name: edge\n    asNumber: 65000\n    interfaces: [{ name: eth0, address: 10.0.1.1/24 }]\n---\n` +
      'apiVersion: v1\nkind: Pod\nmetadata: { name: api, labels: { app: api } }\nspec: { nodeName: node-2, containers: [{ name: api, image: nginx, ports: [{ containerPort: 80 }] }] }\n---\n' +
      `apiVersion: v1\nkind: Service\nmetadata: { name: api }\nspec:\n  type: NodePort\n  externalTrafficPolicy: ${policy}\n  selector: { app: api }\n  ports: [{ port: 80, nodePort: 30080 }]\n`;
    writeFileSync(cli.path('cluster.yaml'), design('Cluster'));
    writeFileSync(cli.path('local.yaml'), design('Local'));
    const trace = async (file: string, node: string) =>
      (await cli.run('-t', file, 'trace', 'edge', `${node}:30080`)).stdout;
    const viaNode1 = await trace('cluster.yaml', '10.0.1.11');
    expect(viaNode1).toContain(
      'kube-proxy MASQUERADE 10.0.1.1 -> 10.0.1.11 (external traffic under externalTrafficPolicy: Cluster)',
    );
    expect(viaNode1).toContain('=> ACCEPTED at default/api: api accepted 80/TCP');
    const local = await trace('local.yaml', '10.0.1.12');
    expect(local).not.toContain('MASQUERADE');
    expect(local).toMatch(/RECEIVED +eth0: from cali\w+\n/);
    expect(local).toContain('=> ACCEPTED at default/api');
    expect(await trace('local.yaml', '10.0.1.11')).toContain(
      '=> DROPPED at node-1: service default/api has no local endpoints on node-1 (traffic policy Local)',
    );
  });
});

describe('Service fields and what they do', () => {
  it('externalIPs, internalTrafficPolicy Local, sessionAffinity ClientIP and publishNotReadyAddresses', async () => {
    writeFileSync(
      cli.path('svc.yml'),
      `${WEB.replace('replicas: 3', 'replicas: 1')}  externalIPs: [10.0.1.200]\n  sessionAffinity: ClientIP\n---
apiVersion: v1
kind: Service
metadata: { name: local }
spec:
  selector: { app: web }
  internalTrafficPolicy: Local
  ports: [{ port: 80 }]
---
apiVersion: v1
kind: Pod
metadata: { name: deaf, labels: { app: deaf } }
spec:
  containers: [{ name: web, image: nginx, readinessProbe: { tcpSocket: { port: 81 } } }]
---
apiVersion: v1
kind: Service
metadata: { name: deaf }
spec:
  selector: { app: deaf }
  publishNotReadyAddresses: true
  ports: [{ port: 81 }]
`,
    );
    await cli.run('create', '-f', 'svc.yml');
    cli.advance(30);
    const external = (await cli.run('trace', 'date-pod', '10.0.1.200:8080')).stdout;
    expect(external).toMatch(
      /SERVICE_DNAT .*default\/web to default\/web-\S+ 192\.168\.\d+\.\d+:80 .*ClientIP affinity keeps a client on its first endpoint for 10800s/,
    );
    expect(external).toMatch(/=> ACCEPTED at default\/web-/);
    const node = tableRows((await cli.run('get', 'pods', '-o', 'wide')).stdout).find((r) =>
      r[0]?.startsWith('web-'),
    )?.[6];
    const local = (await cli.run('trace', 'date-pod', 'local')).stdout;
    // The one endpoint runs on node-2 (the scheduler's fewest-pods choice), so node-1 has none of its own.
    expect(node).toBe('node-2');
    expect(local).toContain('=> DROPPED at node-1: service default/local has no local endpoints');
    expect(tableCell((await cli.run('get', 'pods')).stdout, 'deaf', 'READY')).toBe('0/1');
    expect(tableCell((await cli.run('get', 'endpoints')).stdout, 'deaf', 'ENDPOINTS')).toMatch(
      /^192\.168\.\d+\.\d+:81$/,
    );
  });
});

describe('endpoints follow the pods', () => {
  it("a failed node's endpoints stop being ready at NotReady and leave when evicted; traces then avoid them", async () => {
    writeFileSync(cli.path('web.yml'), WEB);
    await cli.run('create', '-f', 'web.yml');
    cli.advance(30);
    const ready = () => cli.run('get', 'endpoints', 'web').then((r) => tableRows(r.stdout)[1]?.[1] ?? '');
    const all = await ready();
    const onNode2 = all.split(',').filter((e) => e.startsWith('192.168.247.'));
    expect(onNode2.length).toBeGreaterThan(0);
    await cli.run('fail', 'node', 'node-2');
    cli.advance(41);
    expect((await ready()).split(',').some((e) => e.startsWith('192.168.247.'))).toBe(false);
    const traced = branches((await cli.run('trace', 'date-pod', 'web')).stdout);
    expect(traced.every((b) => b.kind === 'ACCEPTED' && !b.dnat.includes('192.168.247.'))).toBe(true);
    cli.advance(310);
    expect((await ready()).split(',')).toHaveLength(3);
  });
});

describe('CoreDNS, with cluster.coreDNS: true', () => {
  it('answers lookups from its pods behind kube-dns; with none left, the resolver gets no answer', async () => {
    const topology = readFileSync(cli.path('.podnet/topology.yaml'), 'utf8').replace(
      /^ {2}seed: 1$/m,
      '  seed: 1\n  coreDNS: true',
    );
    writeFileSync(cli.path('dns.yaml'), topology);
    expect((await cli.run('init', 'dns.yaml', '--force')).code).toBe(0);
    cli.advance(30);
    const pods = tableRows((await cli.run('get', 'pods', '-n', 'kube-system')).stdout).slice(1);
    expect(pods.map((row) => [row[0]?.replace(/-\w+-\w+$/, ''), row[2]])).toEqual([
      ['coredns', 'Running'],
      ['coredns', 'Running'],
    ]);
    const traced = (await cli.run('trace', 'date-pod', 'kubernetes.default:443')).stdout;
    expect(traced).toMatch(
      /DNS_LOOKUP .*answered by one of kube-system\/coredns-\w+-\w+, kube-system\/coredns-\w+-\w+, as kube-proxy spreads the queries/,
    );
    expect(traced).toMatch(
      /the query went default\/date-pod > node-\d > \S+ > kube-system\/coredns-\w+-\w+ \(UDP 53, through kube-proxy\)/,
    );
    const query = (await cli.run('trace', 'date-pod', '10.96.0.10:53', '--udp')).stdout;
    expect(query.match(/=> ACCEPTED at kube-system\/coredns-\w+-\w+: coredns accepted 53\/UDP/g)).toHaveLength(2);
    await cli.run('scale', 'deploy', 'coredns', '-n', 'kube-system', '--replicas', '0');
    const silent = await cli.run('trace', 'date-pod', 'kubernetes.default:443');
    expect(silent.stdout).toContain('Trace 1 of 1: DNS_UNANSWERED');
    expect(silent.stdout).toMatch(
      /the query to kube-dns reached no CoreDNS pod \(REJECTED at node-\d\); the resolver times out/,
    );
  });
});

describe("Calico's service advertisement", () => {
  it('every node advertises serviceClusterIPs and serviceExternalIPs to the ToR (ECMP), and none programs them', async () => {
    const seed = readFileSync(cli.path('.podnet/topology.yaml'), 'utf8')
      .replace(/^pods:[\s\S]*$/m, '')
      .replace(
        '  bgp:\n',
        '  bgp:\n    serviceClusterIPs: [{ cidr: 10.96.0.0/12 }]\n    serviceExternalIPs: [{ cidr: 203.0.113.0/24 }]\n',
      );
    writeFileSync(
      cli.path('adv.yaml'),
      `${seed}routers:\n  - name: tor\n    asNumber: 65000\n    interfaces: [{ name: eth0, address: 10.0.1.1/24 }]\n    peers: [{ node: node-1 }, { node: node-2 }]\n` +
        'peers:\n  - { name: tor, nodeSelector: "!has(node-role.kubernetes.io/control-plane)", peerIP: 10.0.1.1, asNumber: 65000 }\n',
    );
    const tor = (await cli.run('-t', 'adv.yaml', 'routes', 'tor')).stdout;
    expect(tor).toMatch(
      /^10\.96\.0\.0\/12 proto bird \n\tnexthop via 10\.0\.1\.11 dev eth0 weight 1 \n\tnexthop via 10\.0\.1\.12 dev eth0 weight 1$/m,
    );
    expect(tor).toMatch(/^203\.0\.113\.0\/24 proto bird /m);
    expect((await cli.run('-t', 'adv.yaml', 'routes', 'node-1')).stdout).not.toContain('10.96.0.0/12');
    // A router outside the cluster reaches a ClusterIP: ECMP to either node, then kube-proxy there.
    writeFileSync(
      cli.path('adv.yaml'),
      `${readFileSync(cli.path('adv.yaml'), 'utf8')}---\napiVersion: v1\nkind: Service\nmetadata: { name: api }\nspec:\n  clusterIP: 10.96.100.100\n  selector: { app: api }\n  ports: [{ port: 80, targetPort: 8080 }]\n` +
        '---\napiVersion: v1\nkind: Pod\nmetadata: { name: api, labels: { app: api } }\nspec: { nodeName: node-2, containers: [{ name: api, image: andonovj/httpserverdemo, ports: [{ containerPort: 8080 }] }] }\n',
    );
    const outside = (await cli.run('-t', 'adv.yaml', 'trace', 'tor', '10.96.100.100:80')).stdout;
    expect(outside).toMatch(
      /FIB_LOOKUP +10\.96\.0\.0\/12 via 10\.0\.1\.11 dev eth0 \| 10\.96\.0\.0\/12 via 10\.0\.1\.12 dev eth0/,
    );
    expect(outside).toContain(
      "kube-proxy MASQUERADE 10.0.1.1 -> 10.0.1.11 (a ClusterIP reached from outside the cluster's pod CIDR)",
    );
    expect(outside).toMatch(/Trace 2 of 2: ACCEPTED/);
    expect(outside).toContain('=> ACCEPTED at default/api: api accepted 8080/TCP');
    const bird = (await cli.run('-t', 'adv.yaml', 'export', 'bird', 'node-1')).stdout;
    expect(bird).toContain('  route 10.96.0.0/12 blackhole;');
    expect(bird).toContain(
      "  # Don't program static routes into kernel.\n  if ( net ~ 10.96.0.0/12 ) then { reject; }",
    );
  });
});

describe('bad Services', () => {
  it("are refused at file:line:column with the API server's words, exit 2, nothing written", async () => {
    const state = readFileSync(cli.path('.podnet/state.json'), 'utf8');
    writeFileSync(
      cli.path('bad.yml'),
      `apiVersion: v1
kind: Service
metadata: { name: bad }
spec:
  selector: [app]
  clusterIP: 10.0.0.5
  ports:
    - { name: http, port: 80, nodePort: 30080 }
    - { name: http, port: 70000 }
`,
    );
    const result = await cli.run('create', '-f', 'bad.yml');
    expect(result.code).toBe(2);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toContain('bad.yml:5:13: spec.selector: must be a record (found a list)');
    expect(lines.some((l) => /^bad\.yml:9:\d+: spec\.ports\[1\]\.port: a port is between 1 and 65535$/.test(l))).toBe(
      true,
    );
    expect(readFileSync(cli.path('.podnet/state.json'), 'utf8')).toBe(state);
    writeFileSync(
      cli.path('bad2.yml'),
      `apiVersion: v1
kind: Service
metadata: { name: bad }
spec:
  clusterIP: 10.0.0.5
  ports:
    - { name: http, port: 80, nodePort: 30080 }
    - { name: http, port: 81 }
`,
    );
    const second = await cli.run('create', '-f', 'bad2.yml');
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(
      'The Service "bad" is invalid: spec.clusterIPs: Invalid value: []string{"10.0.0.5"}: failed to allocate IP 10.0.0.5: the provided IP (10.0.0.5) is not in the valid range. The range of valid IPs is 10.96.0.0/12',
    );
    expect(second.stderr).toContain(
      'The Service "bad" is invalid: spec.ports[0].nodePort: Forbidden: may not be used when `type` is \'ClusterIP\'',
    );
    expect(second.stderr).toContain('The Service "bad" is invalid: spec.ports[1].name: Duplicate value: "http"');
    expect(readFileSync(cli.path('.podnet/state.json'), 'utf8')).toBe(state);
  });
});
