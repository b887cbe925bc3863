/**
 * Network policy as the Kubernetes documentation and Calico define it, checked on traces: the
 * documented NetworkPolicy examples (test-network-policy, default deny ingress and egress, allow
 * all), Calico GlobalNetworkPolicy order with Deny and Pass around Kubernetes policies, named
 * ports per destination pod, policy behind a Service's ClusterIP, replies through conntrack,
 * `policy explain` naming the missing rule, and applying it making `check` pass.
 */
import { writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliSandbox } from '../helpers/cli.js';

let cli: CliSandbox;
beforeEach(() => {
  cli = new CliSandbox();
});
afterEach(() => cli.dispose());

/** Three nodes on one /16 (172.17.0.0/16), no encapsulation, so a node's own address is a traffic source. */
const CLUSTER = `cluster: { name: policy }
pools:
  - { name: default-ipv4-ippool, cidr: 192.168.0.0/16, blockSize: 26, ipipMode: Never, natOutgoing: true }
nodes:
  - { name: node-1, address: 172.17.0.11/16, gateway: 172.17.0.1 }
  - { name: node-2, address: 172.17.1.12/16, gateway: 172.17.0.1 }
  - { name: node-3, address: 172.17.2.13/16, gateway: 172.17.0.1 }
`;

function pod(name: string, options: { ns?: string; labels?: string; node: string; image?: string; ports?: string }) {
  return `---
apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: ${options.ns ?? 'default'}, labels: { ${options.labels ?? ''} } }
spec:
  nodeName: ${options.node}
  containers: [{ name: app, image: ${options.image ?? 'nginx'}, ports: [${options.ports ?? '{ containerPort: 80 }'}] }]
`;
}

const PODS = [
  pod('db', { labels: 'role: db', node: 'node-3', image: 'redis', ports: '{ containerPort: 6379 }' }),
  pod('frontend', { labels: 'role: frontend', node: 'node-1' }),
  pod('other', { labels: 'role: other', node: 'node-1' }),
  pod('client', { ns: 'myproject', labels: 'app: client', node: 'node-2' }),
  pod('stranger', { ns: 'elsewhere', labels: 'app: client', node: 'node-2' }),
  `---
apiVersion: v1
kind: Namespace
metadata: { name: myproject, labels: { project: myproject } }
`,
].join('');

/** The documented example, word for word (kubernetes.io, Network Policies, "The NetworkPolicy resource"). */
const TEST_NETWORK_POLICY = `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: test-network-policy
  namespace: default
spec:
  podSelector:
    matchLabels:
      role: db
  policyTypes:
    - Ingress
    - Egress
  ingress:
    - from:
        - ipBlock:
            cidr: 172.17.0.0/16
            except:
              - 172.17.1.0/24
        - namespaceSelector:
            matchLabels:
              project: myproject
        - podSelector:
            matchLabels:
              role: frontend
      ports:
        - protocol: TCP
          port: 6379
  egress:
    - to:
        - ipBlock:
            cidr: 10.0.0.0/24
      ports:
        - protocol: TCP
          port: 5978
`;

function write(name: string, text: string): string {
  const file = cli.path(name);
  writeFileSync(file, text);
  return file;
}

/** The dispositions of every branch of a trace, as `trace -o json` reports them. */
async function dispositions(file: string, src: string, dst: string, ...flags: string[]): Promise<string[]> {
  const run = await cli.run('-t', file, 'trace', src, dst, '-o', 'json', ...flags);
  expect(run.stderr).toBe('');
  const parsed = JSON.parse(run.stdout) as { forward: { disposition: { kind: string; detail: string } }[] };
  return parsed.forward.map((t) => t.disposition.kind);
}

async function detail(file: string, src: string, dst: string): Promise<string> {
  const run = await cli.run('-t', file, 'trace', src, dst, '-o', 'json');
  const parsed = JSON.parse(run.stdout) as { forward: { disposition: { detail: string } }[] };
  return parsed.forward.map((t) => t.disposition.detail).join('; ');
}

describe("Kubernetes' documented NetworkPolicy examples", () => {
  it('test-network-policy: role=frontend pods, namespace myproject and 172.17.0.0/16 but 172.17.1.0/24 reach db:6379', async () => {
    const file = write('t.yaml', CLUSTER + PODS + TEST_NETWORK_POLICY);
    expect(await dispositions(file, 'frontend', 'db:6379')).toEqual(['ACCEPTED']);
    expect(await dispositions(file, 'myproject/client', 'default/db:6379')).toEqual(['ACCEPTED']);
    expect(await dispositions(file, 'other', 'db:6379')).toEqual(['DENIED_IN']);
    expect(await dispositions(file, 'elsewhere/stranger', 'default/db:6379')).toEqual(['DENIED_IN']);
    // Only 6379 is opened, even to an allowed peer.
    expect(await dispositions(file, 'frontend', 'db:80')).toEqual(['DENIED_IN']);
    // node-1 (172.17.0.11) is inside the block; node-2 (172.17.1.12) is in its except.
    expect(await dispositions(file, 'node-1', 'default/db:6379')).toEqual(['ACCEPTED']);
    expect(await dispositions(file, 'node-2', 'default/db:6379')).toEqual(['DENIED_IN']);
  });

  it('test-network-policy: db may open connections only to 10.0.0.0/24 on 5978', async () => {
    const file = write('t.yaml', CLUSTER + PODS + TEST_NETWORK_POLICY);
    expect(await dispositions(file, 'db', '10.0.0.7:5978')).toEqual(['EXITS_NETWORK']);
    expect(await dispositions(file, 'db', '10.0.0.7:80')).toEqual(['DENIED_OUT']);
    expect(await dispositions(file, 'db', 'frontend:80')).toEqual(['DENIED_OUT']);
    // Pods the policy does not select are not isolated either way.
    expect(await dispositions(file, 'frontend', 'other:80')).toEqual(['ACCEPTED']);
  });

  it('default deny ingress: every pod of the namespace refuses new connections, egress untouched', async () => {
    const policy = `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: default-deny-ingress }
spec:
  podSelector: {}
  policyTypes: [Ingress]
`;
    const file = write('t.yaml', CLUSTER + PODS + policy);
    expect(await dispositions(file, 'frontend', 'other:80')).toEqual(['DENIED_IN']);
    expect(await dispositions(file, 'myproject/client', 'default/other:80')).toEqual(['DENIED_IN']);
    expect(await dispositions(file, 'frontend', 'myproject/client:80')).toEqual(['ACCEPTED']);
    expect(await detail(file, 'frontend', 'other:80')).toBe(
      'ingress of default/other: no rule matched: end of tier default (defaultAction Deny) drops it',
    );
  });

  it('default deny egress: pods of the namespace open nothing; others still reach them', async () => {
    const policy = `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: default-deny-egress }
spec:
  podSelector: {}
  policyTypes: [Egress]
`;
    const file = write('t.yaml', CLUSTER + PODS + policy);
    expect(await dispositions(file, 'frontend', 'other:80')).toEqual(['DENIED_OUT']);
    expect(await dispositions(file, 'frontend', '10.0.0.7:80')).toEqual(['DENIED_OUT']);
    expect(await dispositions(file, 'myproject/client', 'default/other:80')).toEqual(['ACCEPTED']);
  });

  it('allow all ingress: a default deny plus ingress: [{}] lets everything in', async () => {
    const policies = `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: default-deny-ingress }
spec: { podSelector: {}, policyTypes: [Ingress] }
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: allow-all-ingress }
spec:
  podSelector: {}
  ingress: [{}]
  policyTypes: [Ingress]
`;
    const file = write('t.yaml', CLUSTER + PODS + policies);
    expect(await dispositions(file, 'frontend', 'other:80')).toEqual(['ACCEPTED']);
    expect(await dispositions(file, 'elsewhere/stranger', 'default/db:6379')).toEqual(['ACCEPTED']);
  });

  it('allow all egress: a default deny of egress plus egress: [{}] lets everything out', async () => {
    const policies = `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: default-deny-egress }
spec: { podSelector: {}, policyTypes: [Egress] }
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: allow-all-egress }
spec:
  podSelector: {}
  egress: [{}]
  policyTypes: [Egress]
`;
    const file = write('t.yaml', CLUSTER + PODS + policies);
    expect(await dispositions(file, 'frontend', 'other:80')).toEqual(['ACCEPTED']);
    expect(await dispositions(file, 'frontend', '10.0.0.7:80')).toEqual(['EXITS_NETWORK']);
  });

  it('default deny all ingress and all egress: nothing in, nothing out', async () => {
    const policy = `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: default-deny-all }
spec: { podSelector: {}, policyTypes: [Ingress, Egress] }
`;
    const file = write('t.yaml', CLUSTER + PODS + policy);
    expect(await dispositions(file, 'frontend', 'other:80')).toEqual(['DENIED_OUT']);
    expect(await dispositions(file, 'myproject/client', 'default/other:80')).toEqual(['DENIED_IN']);
  });
});

const ALLOW_FRONTEND = `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: allow-frontend }
spec:
  podSelector: { matchLabels: { role: db } }
  ingress: [{ from: [{ podSelector: { matchLabels: { role: frontend } } }] }]
`;

function globalPolicy(action: 'Deny' | 'Pass', tier?: string): string {
  const name = tier === undefined ? 'deny-db' : `${tier}.deny-db`;
  return `---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: { name: ${name} }
spec:
  ${tier === undefined ? '' : `tier: ${tier}`}
  order: 100
  selector: role == 'db'
  ingress:
    - action: ${action}
      protocol: TCP
      destination: { ports: [6379] }
`;
}

describe('Calico policy around Kubernetes policy', () => {
  it('a GlobalNetworkPolicy of order 100 with Deny runs before the Kubernetes policy (order 1000) that allows', async () => {
    const file = write('t.yaml', CLUSTER + PODS + ALLOW_FRONTEND + globalPolicy('Deny'));
    expect(await dispositions(file, 'frontend', 'db:6379')).toEqual(['DENIED_IN']);
    expect(await detail(file, 'frontend', 'db:6379')).toBe(
      'ingress of default/db: denied by GlobalNetworkPolicy deny-db rule ingress[0]: Deny',
    );
    const explain = await cli.run('-t', file, 'policy', 'explain', 'frontend', 'db:6379');
    expect(explain.stdout).toContain('selected by: GlobalNetworkPolicy deny-db, NetworkPolicy default/allow-frontend');
  });

  it('with Pass in a tier before default, the Kubernetes policy decides', async () => {
    const tier = `---
apiVersion: projectcalico.org/v3
kind: Tier
metadata: { name: security }
spec: { order: 100 }
`;
    const file = write('t.yaml', CLUSTER + PODS + ALLOW_FRONTEND + tier + globalPolicy('Pass', 'security'));
    const trace = await cli.run('-t', file, 'trace', 'frontend', 'db:6379');
    expect(trace.stdout).toContain('rule ingress[0] matched: Pass');
    expect(trace.stdout).toContain('allowed by NetworkPolicy default/allow-frontend rule ingress[0]: Allow');
    expect(await dispositions(file, 'frontend', 'db:6379')).toEqual(['ACCEPTED']);
    // The Kubernetes policy still isolates db: other is denied at the end of the default tier.
    expect(await detail(file, 'other', 'db:6379')).toBe(
      'ingress of default/db: no rule matched: end of tier default (defaultAction Deny) drops it',
    );
  });

  it('with Pass in the default tier, the rest of the tier is skipped and the profile allows', async () => {
    const file = write('t.yaml', CLUSTER + PODS + ALLOW_FRONTEND + globalPolicy('Pass'));
    expect(await dispositions(file, 'other', 'db:6379')).toEqual(['ACCEPTED']);
    const trace = await cli.run('-t', file, 'trace', 'other', 'db:6379');
    expect(trace.stdout).toContain(
      'passed by GlobalNetworkPolicy deny-db rule ingress[0]: Pass; profile kns.default allows',
    );
  });
});

describe('ports, Services and replies', () => {
  it('a named port resolves per destination pod: two pods, one name, different numbers', async () => {
    const pods = [
      pod('api-a', { labels: 'app: api', node: 'node-2', image: 'nginx', ports: '{ containerPort: 80, name: web }' }),
      pod('api-b', {
        labels: 'app: api',
        node: 'node-3',
        image: 'docker.io/andonovj/httpserverdemo:latest',
        ports: '{ containerPort: 8080, name: web }',
      }),
      pod('caller', { labels: 'app: caller', node: 'node-1' }),
    ].join('');
    const policy = `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: api-web-only }
spec:
  podSelector: { matchLabels: { app: api } }
  ingress: [{ ports: [{ port: web }] }]
`;
    const file = write('t.yaml', CLUSTER + pods + policy);
    expect(await dispositions(file, 'caller', 'api-a:80')).toEqual(['ACCEPTED']);
    expect(await dispositions(file, 'caller', 'api-a:8080')).toEqual(['DENIED_IN']);
    expect(await dispositions(file, 'caller', 'api-b:8080')).toEqual(['ACCEPTED']);
    expect(await dispositions(file, 'caller', 'api-b:80')).toEqual(['DENIED_IN']);
  });

  it("a trace to a ClusterIP is decided by each endpoint pod's ingress policy, after kube-proxy's DNAT", async () => {
    const service = `---
apiVersion: v1
kind: Service
metadata: { name: db }
spec: { selector: { role: db }, ports: [{ port: 6379 }] }
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: db-from-frontend }
spec:
  podSelector: { matchLabels: { role: db } }
  ingress: [{ from: [{ podSelector: { matchLabels: { role: frontend } } }], ports: [{ port: 6379 }] }]
`;
    const file = write('t.yaml', CLUSTER + PODS + service);
    const allowed = await cli.run('-t', file, 'trace', 'frontend', 'db.default:6379');
    expect(allowed.stdout).toContain('SERVICE_DNAT');
    expect(allowed.stdout).toContain('=> ACCEPTED');
    const denied = await cli.run('-t', file, 'trace', 'other', 'db.default:6379');
    expect(denied.stdout).toContain('=> DENIED_IN at node-3: ingress of default/db');
    // The policy saw the endpoint's address and port, never the ClusterIP.
    expect(denied.stdout).not.toMatch(/POLICY .*10\.96\./);
  });

  it("a hostPort is policed after the portmap DNAT: the rule must name the container's port", async () => {
    const hostPort = pod('hp', { labels: 'app: hp', node: 'node-2', ports: '{ containerPort: 80, hostPort: 8080 }' });
    const only = (port: number) => `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: hp-only }
spec:
  podSelector: { matchLabels: { app: hp } }
  ingress: [{ ports: [{ port: ${port} }] }]
`;
    const containerPort = write('a.yaml', CLUSTER + PODS + hostPort + only(80));
    expect(await dispositions(containerPort, 'frontend', '172.17.1.12:8080')).toEqual(['ACCEPTED']);
    const nodePort = write('b.yaml', CLUSTER + PODS + hostPort + only(8080));
    expect(await dispositions(nodePort, 'frontend', '172.17.1.12:8080')).toEqual(['DENIED_IN']);
  });

  it('the reply of an allowed connection passes both chains by conntrack, though no rule allows it', async () => {
    const file = write('t.yaml', CLUSTER + PODS + TEST_NETWORK_POLICY);
    const run = await cli.run('-t', file, 'trace', 'frontend', 'db:6379', '--bidirectional');
    const reply = run.stdout.slice(run.stdout.indexOf('Reply:'));
    expect(reply).toContain('egress of default/db (cali-fw-');
    expect(reply).toContain('RELATED,ESTABLISHED: conntrack accepts');
    expect(reply).toContain('=> ACCEPTED at default/frontend: reply reached default/frontend');
    // A connection policy drops has no reply to show.
    const denied = await cli.run('-t', file, 'trace', 'other', 'db:6379', '--bidirectional');
    expect(denied.stdout).not.toContain('Reply:');
  });
});

describe("Calico's rule criteria and tiers", () => {
  const DB_POLICY = `---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: { name: db-rules }
spec:
  order: 10
  selector: role == 'db'
  ingress:
    - action: Deny
      ipVersion: 6
    - action: Allow
      protocol: TCP
      source: { notSelector: role == 'other' }
      destination: { notPorts: [80] }
    - action: Allow
      notProtocol: TCP
    - action: Allow
      source: { nets: [172.17.0.0/16], notNets: [172.17.1.0/24] }
`;

  it('notSelector, notPorts, notProtocol, nets and notNets match as Calico defines them; ipVersion 6 never matches IPv4', async () => {
    const file = write('t.yaml', CLUSTER + PODS + DB_POLICY);
    expect(await dispositions(file, 'frontend', 'db:6379')).toEqual(['ACCEPTED']);
    expect(await detail(file, 'frontend', 'db:6379')).not.toContain('Deny');
    expect(await dispositions(file, 'other', 'db:6379')).toEqual(['DENIED_IN']);
    expect(await dispositions(file, 'frontend', 'db:80')).toEqual(['DENIED_IN']);
    // Not TCP: UDP passes policy and finds nothing listening.
    expect(await dispositions(file, 'other', 'db:6379', '--udp')).toEqual(['CONNECTION_REFUSED']);
    expect(await dispositions(file, 'node-1', 'default/db:6379')).toEqual(['ACCEPTED']);
    expect(await dispositions(file, 'node-2', 'default/db:80')).toEqual(['DENIED_IN']);
    const trace = await cli.run('-t', file, 'trace', 'node-1', 'default/db:80');
    expect(trace.stdout).toContain('rule ingress[3] matched: Allow');
  });

  it('a tier that decides nothing takes its defaultAction: Deny drops, Pass hands on to the next tier', async () => {
    const tier = (action: string) => `---
apiVersion: projectcalico.org/v3
kind: Tier
metadata: { name: soft }
spec: { order: 50, defaultAction: ${action} }
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: { name: soft.log-db }
spec:
  tier: soft
  selector: role == 'db'
  ingress: [{ action: Log }]
`;
    const passing = write('pass.yaml', CLUSTER + PODS + tier('Pass') + ALLOW_FRONTEND);
    const trace = await cli.run('-t', passing, 'trace', 'frontend', 'db:6379');
    expect(trace.stdout).toContain(
      'GlobalNetworkPolicy soft.log-db (tier soft, order none (last)): no rule matched, logged by rule ingress[0]',
    );
    expect(trace.stdout).toContain('allowed by NetworkPolicy default/allow-frontend rule ingress[0]: Allow');
    const denying = write('deny.yaml', CLUSTER + PODS + tier('Deny') + ALLOW_FRONTEND);
    expect(await detail(denying, 'frontend', 'db:6379')).toBe(
      'ingress of default/db: no rule matched: end of tier soft (defaultAction Deny) drops it',
    );
  });

  it('endPort opens a range of ports', async () => {
    const range = (end: number) => `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: db-range }
spec:
  podSelector: { matchLabels: { role: db } }
  ingress: [{ ports: [{ protocol: TCP, port: 6000, endPort: ${end} }] }]
`;
    expect(await dispositions(write('a.yaml', CLUSTER + PODS + range(6400)), 'frontend', 'db:6379')).toEqual([
      'ACCEPTED',
    ]);
    expect(await dispositions(write('b.yaml', CLUSTER + PODS + range(6300)), 'frontend', 'db:6379')).toEqual([
      'DENIED_IN',
    ]);
  });
});
