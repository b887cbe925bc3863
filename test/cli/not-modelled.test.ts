/**
 * A field Kubernetes or Calico accepts but podnet does not simulate is refused where it stands
 * ("podnet does not model X"), never silently ignored. The refused fields are read from the
 * shipped JSON Schema, so a field marked refused there without a refusal here fails this test.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliSandbox, repoPath } from '../helpers/cli.js';

let cli: CliSandbox;
beforeEach(() => {
  cli = new CliSandbox({ PODNET_INSTANT: '1' });
});
afterEach(() => cli.dispose());

/** The seed lab without its pod file reference, so it stands alone in a sandbox. */
const SEED = readFileSync(repoPath('topologies/seed-lab.yaml'), 'utf8').replace(/\npods:\n.*\n/, '\n');

/** Every key the shipped schema marks as refused, by name. */
function refusedKeys(): Set<string> {
  const keys = new Set<string>();
  const walk = (node: unknown): void => {
    if (typeof node !== 'object' || node === null) return;
    const properties = (node as { properties?: Record<string, { description?: string }> }).properties ?? {};
    for (const [key, value] of Object.entries(properties)) if (value.description?.startsWith('refused')) keys.add(key);
    Object.values(node).forEach(walk);
  };
  walk(JSON.parse(readFileSync(repoPath('schema/topology.schema.json'), 'utf8')));
  return keys;
}

const EVERY_REFUSED_FIELD = `${SEED.replace(
  '    natOutgoing: true            # traffic leaving the pools is masqueraded\n',
  '    natOutgoing: true\n    allowedUses: [Workload]\n',
)}
peers:
  - name: tor
    peerIP: 10.0.1.1
    asNumber: 65000
    localASNumber: 64999
    sourceAddress: None
    keepaliveTime: 30s
    numAllowedLocalASNumbers: 1
pods:
  - apiVersion: v1
    kind: Pod
    metadata:
      name: web
      resourceVersion: "42"
    spec:
      serviceAccountName: web
      terminationGracePeriodSeconds: 5
      volumes: []
      affinity: {}
      securityContext: {}
      priorityClassName: high
      dnsPolicy: ClusterFirst
      containers:
        - name: web
          image: nginx
          imagePullPolicy: IfNotPresent
          env: []
          envFrom: []
          resources: {}
          volumeMounts: []
          livenessProbe: {}
          readinessProbe:
            tcpSocket: { port: 80 }
            exec: {}
            grpc: {}
            timeoutSeconds: 5
            failureThreshold: 1
          startupProbe: {}
          securityContext: {}
          workingDir: /srv
          stdin: true
          tty: true
          ports:
            - containerPort: 80
              hostPort: 8080
              hostIP: 10.0.1.11
`.replace('  bgp:\n', '  bgp:\n    logSeverityScreen: Debug\n    serviceLoadBalancerIPs: []\n');

/** Adds a Service, a Deployment, a Calico Node and policies, whose refused keys live only there. */
const DEPLOYMENT = `---
apiVersion: v1
kind: Service
metadata: { name: web }
spec:
  selector: { app: web }
  ports: [{ port: 80, appProtocol: http }]
  clusterIPs: [10.96.5.5]
  ipFamilies: [IPv4]
  ipFamilyPolicy: SingleStack
  sessionAffinityConfig: {}
  loadBalancerIP: 10.1.1.1
  loadBalancerSourceRanges: []
  externalName: example.com
  healthCheckNodePort: 30000
  allocateLoadBalancerNodePorts: true
---
apiVersion: projectcalico.org/v3
kind: Node
metadata: { name: node-1 }
spec:
  bgp:
    ipv4Address: 10.0.1.11/24
    ipv4IPIPTunnelAddr: 192.168.61.0
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 1
  selector:
    matchLabels: { app: api }
  progressDeadlineSeconds: 60
  paused: true
  template:
    metadata:
      labels: { app: api }
    spec:
      containers:
        - name: api
          image: nginx
---
apiVersion: v1
kind: Namespace
metadata: { name: shop }
spec: { finalizers: [kubernetes] }
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: { name: everything }
spec:
  doNotTrack: true
  preDNAT: true
  applyOnForward: true
  serviceAccountSelector: all()
  performanceHints: [AssumeNeededOnEveryNode]
  ingress:
    - action: Allow
      icmp: { type: 8 }
      notICMP: { type: 0 }
      http: { methods: [GET] }
      metadata: { annotations: { why: test } }
      source: { serviceAccounts: { names: [api] }, services: { name: web } }
`;

describe('fields podnet does not model are refused where they stand', () => {
  it('every refused key of the schema is refused, at its own line and column, all at once', async () => {
    writeFileSync(cli.path('lab.yaml'), EVERY_REFUSED_FIELD + DEPLOYMENT);
    const result = await cli.run('validate', 'lab.yaml');
    expect(result.code).toBe(2);
    const lines = result.stderr.trimEnd().split('\n');
    const refusals = lines.filter((line) => line.includes('podnet does not model'));
    const refused = new Set(refusals.map((line) => /\.(\w+): podnet does not model/.exec(line)?.[1]));
    expect([...refused].sort()).toEqual([...refusedKeys()].sort());
    expect(lines.at(-1)).toBe(`${refusals.length} problems found`);
    expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
    // Located on the key itself, so an editor jumps to the line to delete.
    const text = EVERY_REFUSED_FIELD + DEPLOYMENT;
    const volumes = text.split('\n').findIndex((line) => line.includes('volumes: []')) + 1;
    expect(result.stderr).toContain(
      `lab.yaml:${volumes}:7: pods[0].spec.volumes: podnet does not model volumes; remove this field\n`,
    );
  });

  it('a field left at its default is accepted, as it changes nothing', async () => {
    writeFileSync(
      cli.path('lab.yaml'),
      `${SEED.replace('  bgp:\n', '  bgp:\n    logSeverityScreen: Info\n')}peers:
  - { name: tor, peerIP: 10.0.1.1, asNumber: 65000, sourceAddress: UseNodeIP }
pods:
  - apiVersion: v1
    kind: Pod
    metadata: { name: web }
    spec:
      hostNetwork: false
      initContainers: []
      containers: [{ name: web, image: nginx }]
`,
    );
    expect(await cli.run('validate', 'lab.yaml')).toMatchObject({ code: 0 });
  });

  it('create -f refuses a pod with a liveness probe and leaves the workspace byte-identical', async () => {
    writeFileSync(cli.path('lab.yaml'), SEED);
    expect((await cli.run('init', 'lab.yaml')).code).toBe(0);
    const before = readFileSync(cli.path('.podnet', 'state.json'));
    writeFileSync(
      cli.path('probe.yaml'),
      `apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx
      livenessProbe:
        httpGet: { path: /, port: 80 }
`,
    );
    const result = await cli.run('create', '-f', 'probe.yaml');
    expect(result).toMatchObject({
      code: 2,
      stderr:
        'probe.yaml:9:7: spec.containers[0].livenessProbe: podnet does not model liveness probes; remove this field\n1 problem found\n',
    });
    expect(readFileSync(cli.path('.podnet', 'state.json'))).toEqual(before);
  });
});
