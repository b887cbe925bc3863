/**
 * Policy objects as a user handles them: create/apply/delete -f with kubectl's lines, get and
 * describe netpol, get ns, calicoctl's policy tables, `policy explain` and its fix that makes
 * `check` pass, the workspace journal replaying policies, and bad policies refused where they
 * stand (exit 2, nothing written).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { CliSandbox, REPO, tableRows } from '../helpers/cli.js';

let cli: CliSandbox;
beforeEach(() => {
  cli = new CliSandbox();
});
afterEach(() => cli.dispose());

const SHOP = `cluster: { name: shop }
nodes:
  - { name: node-1, address: 10.0.1.11/24, gateway: 10.0.1.1 }
  - { name: node-2, address: 10.0.1.12/24, gateway: 10.0.1.1 }
pods:
  - { apiVersion: v1, kind: Pod, metadata: { name: frontend, namespace: shop, labels: { app: frontend } }, spec: { nodeName: node-1, containers: [{ name: web, image: nginx, ports: [{ containerPort: 80 }] }] } }
  - { apiVersion: v1, kind: Pod, metadata: { name: backend, namespace: shop, labels: { app: backend } }, spec: { nodeName: node-2, containers: [{ name: api, image: docker.io/andonovj/httpserverdemo:latest, ports: [{ containerPort: 8080, name: http }] }] } }
checks:
  - { name: frontend reaches backend, check: reach, from: shop/frontend, to: shop/backend, port: 8080 }
---
apiVersion: v1
kind: Namespace
metadata: { name: shop, labels: { team: shop } }
`;

const DENY_INGRESS = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: deny-ingress, namespace: shop }
spec:
  podSelector: {}
  policyTypes: [Ingress]
`;

function write(name: string, text: string): string {
  const file = cli.path(name);
  writeFileSync(file, text);
  return file;
}

describe('policy explain', () => {
  it('names the missing rule, and the policy it prints makes check pass', async () => {
    const before = write('shop.yaml', `${SHOP}---\n${DENY_INGRESS}`);
    const failing = await cli.run('check', before);
    expect(failing.code).toBe(1);
    expect(failing.stdout).toContain('found DENIED_IN at node-2: ingress of shop/backend: no rule matched');
    const explain = await cli.run('-t', before, 'policy', 'explain', 'shop/frontend', 'shop/backend:8080');
    expect(explain.stdout).toContain(
      'Ingress to shop/backend (on node-2):\n  selected by: NetworkPolicy shop/deny-ingress',
    );
    expect(explain.stdout).toContain('add this rule to NetworkPolicy shop/deny-ingress (spec.ingress)');
    const json = await cli.run('-t', before, 'policy', 'explain', 'shop/frontend', 'shop/backend:8080', '-o', 'json');
    const fix = (
      JSON.parse(json.stdout) as { branches: { fixes: { kind: string; rule: object; manifest: object }[] }[] }
    ).branches[0]?.fixes.find((f) => f.kind === 'add-rule');
    expect(fix?.rule).toEqual({
      from: [{ podSelector: { matchLabels: { app: 'frontend' } } }],
      ports: [{ protocol: 'TCP', port: 8080 }],
    });
    const after = write('fixed.yaml', `${SHOP}---\n${stringify(fix?.manifest)}`);
    const passing = await cli.run('check', after);
    expect(passing.stdout).toContain('PASS  frontend reaches backend: ACCEPTED on 8080/TCP');
    expect(passing.code).toBe(0);
    // The same manifest applied to a workspace opens the connection there.
    expect((await cli.run('init', before)).code).toBe(0);
    expect((await cli.run('advance', '90s')).code).toBe(0);
    write('fix.yaml', stringify(fix?.manifest));
    const applied = await cli.run('apply', '-f', 'fix.yaml');
    expect(applied.stdout).toBe('networkpolicy.networking.k8s.io/deny-ingress configured\n');
    const trace = await cli.run('trace', 'shop/frontend', 'shop/backend:8080');
    expect(trace.stdout).toContain('=> ACCEPTED');
  });

  it('says which label a pod lacks for a rule that would otherwise match', async () => {
    const policy = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: backend-from-web, namespace: shop }
spec:
  podSelector: { matchLabels: { app: backend } }
  ingress: [{ from: [{ podSelector: { matchLabels: { app: frontend, tier: web } } }], ports: [{ port: http }] }]
`;
    const file = write('shop.yaml', `${SHOP}---\n${policy}`);
    const explain = await cli.run('-t', file, 'policy', 'explain', 'shop/frontend', 'shop/backend:8080');
    expect(explain.stdout).toContain(
      'shop/frontend lacks tier=web, which rule ingress[0] of NetworkPolicy shop/backend-from-web needs',
    );
  });
});

describe('policy objects in a workspace', () => {
  it('create, get, describe, apply, delete, as kubectl prints them, and the journal replays them', async () => {
    expect((await cli.run('init', write('shop.yaml', SHOP))).code).toBe(0);
    expect((await cli.run('advance', '90s')).code).toBe(0);
    write('deny.yaml', DENY_INGRESS);
    expect((await cli.run('create', '-f', 'deny.yaml')).stdout).toBe(
      'networkpolicy.networking.k8s.io/deny-ingress created\n',
    );
    const again = await cli.run('create', '-f', 'deny.yaml');
    expect(again.stderr).toContain(
      'Error from server (AlreadyExists): error when creating "deny.yaml": networkpolicies.networking.k8s.io "deny-ingress" already exists',
    );
    expect((await cli.run('apply', '-f', 'deny.yaml')).stdout).toBe(
      'networkpolicy.networking.k8s.io/deny-ingress unchanged\n',
    );
    expect(tableRows((await cli.run('get', 'netpol', '-n', 'shop')).stdout)).toEqual([
      ['NAME', 'POD-SELECTOR', 'AGE'],
      ['deny-ingress', '<none>', '0s'],
    ]);
    const described = await cli.run('describe', 'networkpolicy', 'deny-ingress', '-n', 'shop');
    expect(described.stdout).toContain('Name:         deny-ingress\nNamespace:    shop\n');
    expect(described.stdout).toContain(
      'Spec:\n  PodSelector:     <none> (Allowing the specific traffic to all pods in this namespace)\n  Allowing ingress traffic:\n    <none> (Selected pods are isolated for ingress connectivity)\n  Not affecting egress traffic\n  Policy Types: Ingress\n',
    );
    expect((await cli.run('get', 'ns', 'shop')).stdout).toMatch(/^NAME\s+STATUS\s+AGE\nshop\s+Active\s+\S+\n$/);
    expect((await cli.run('trace', 'shop/frontend', 'shop/backend:8080')).stdout).toContain('=> DENIED_IN');
    // Replayed from the journal by a later command, the policy still decides.
    cli.advance(60);
    expect((await cli.run('trace', 'shop/frontend', 'shop/backend:8080')).stdout).toContain('=> DENIED_IN');
    expect((await cli.run('delete', 'netpol', 'deny-ingress', '-n', 'shop')).stdout).toBe(
      'networkpolicy.networking.k8s.io "deny-ingress" deleted\n',
    );
    expect((await cli.run('trace', 'shop/frontend', 'shop/backend:8080')).stdout).toContain('=> ACCEPTED');
    const missing = await cli.run('delete', 'netpol', 'deny-ingress', '-n', 'shop');
    expect(missing.stderr).toContain('networkpolicies.networking.k8s.io "deny-ingress" not found');
  });

  it("lists Calico's policies and tiers as calicoctl 3.29 does, Kubernetes ones left out", async () => {
    const calico = `${DENY_INGRESS}---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: { name: allow-web, namespace: shop }
spec: { order: 100, selector: app == 'backend', ingress: [{ action: Allow }] }
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: { name: deny-all-db }
spec: { selector: has(db), types: [Ingress] }
`;
    const file = write('shop.yaml', `${SHOP}---\n${calico}`);
    expect((await cli.run('-t', file, 'policy', 'get', 'networkpolicy', '-n', 'shop', '-o', 'wide')).stdout).toBe(
      "NAMESPACE   NAME        TIER      ORDER   SELECTOR\nshop        allow-web   default   100     app == 'backend'\n\n",
    );
    expect((await cli.run('-t', file, 'policy', 'get', 'globalnetworkpolicy', '-o', 'wide')).stdout).toBe(
      'NAME          TIER      ORDER   SELECTOR\ndeny-all-db   default           has(db)\n\n',
    );
    expect((await cli.run('-t', file, 'policy', 'get', 'tier')).stdout).toBe('NAME      ORDER\ndefault   1000000\n\n');
  });
});

describe('bad policies', () => {
  const BAD = `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: { name: broken, namespace: shop }
spec:
  selector: app = = x
  ingress:
    - action: Allow
      source: { selector: "role in {'a'" }
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: { name: wrong-action }
spec:
  ingress: [{ action: Accept }]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: broken-k8s, namespace: shop }
spec:
  podSelector: {}
  ingress:
    - from: [{ ipBlock: { cidr: 10.0.0.0/16, except: [10.1.0.0/24] } }]
      ports: [{ port: Web_Port }]
`;

  it('are refused at file:line:column, every problem at once, exit 2, the workspace unchanged', async () => {
    expect((await cli.run('init', write('shop.yaml', SHOP))).code).toBe(0);
    const journal = readFileSync(cli.path('.podnet', 'state.json'), 'utf8');
    write('bad.yaml', BAD);
    const run = await cli.run('create', '-f', 'bad.yaml');
    expect(run.code).toBe(2);
    expect(run.stderr.trimEnd().split('\n')).toEqual([
      'bad.yaml:5:13: spec.selector: malformed selector "app = = x": unexpected character "=" at character 5',
      'bad.yaml:8:27: spec.ingress[0].source.selector: malformed selector "role in {\'a\'": expected "}" but found the end of the selector at character 13',
      'bad.yaml:14:23: spec.ingress[0].action: must be "Allow" or "Deny" or "Log" or "Pass" (found "Accept")',
      'bad.yaml:22:55: spec.ingress[0].from[0].ipBlock.except[0]: The NetworkPolicy "broken-k8s" is invalid: spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: "10.1.0.0/24": must be a strict subset of `cidr`',
      'bad.yaml:23:23: spec.ingress[0].ports[0].port: The NetworkPolicy "broken-k8s" is invalid: spec.ingress[0].ports[0].port: Invalid value: "Web_Port": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
      '5 problems found',
    ]);
    expect(readFileSync(cli.path('.podnet', 'state.json'), 'utf8')).toBe(journal);
  });
});

describe('diff', () => {
  it('shows the policies two designs differ by and which pairs the change opens', async () => {
    const lab = 'topologies/labs/default-deny';
    const run = await cli.run('diff', `${REPO}/${lab}/lab.yaml`, `${REPO}/${lab}/solution.yaml`);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      'Network policies (tier, order, selector, rules): 2\n+ NetworkPolicy shop/backend-ingress:',
    );
    expect(run.stdout).toContain('~ shop/frontend -> shop/backend:8080: DENIED_OUT at node-1 -> ACCEPTED');
    expect(run.stdout).toContain(
      '5 differences: machines 0, sessions 0, routes 0, fib 0, services 0, policies 2, reachability 3',
    );
  });
});

describe('exports', () => {
  it('export calico writes the namespaces first and the tiers and policies last; containerlab says it leaves them out', async () => {
    const lab = `${REPO}/topologies/labs/calico-global-policy/lab.yaml`;
    const calico = await cli.run('-t', `${REPO}/topologies/labs/default-deny/solution.yaml`, 'export', 'calico', 'out');
    expect(calico.stdout).toContain('00-namespaces.yaml, 01-bgpconfiguration.yaml');
    expect(readFileSync(cli.path('out', '00-namespaces.yaml'), 'utf8')).toBe(
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    team: shop\n',
    );
    const policies = readFileSync(cli.path('out', '07-policies.yaml'), 'utf8');
    expect(policies.match(/^kind: NetworkPolicy$/gm)).toHaveLength(3);
    // Tiers come before the policies that name them.
    const tiers = await cli.run('-t', lab, 'export', 'calico', 'gnp');
    expect(tiers.code).toBe(0);
    expect(readFileSync(cli.path('gnp', '07-policies.yaml'), 'utf8')).toMatch(
      /^apiVersion: projectcalico.org\/v3\nkind: Tier\nmetadata:\n {2}name: security\nspec:\n {2}order: 100\n {2}defaultAction: Deny\n---\n/,
    );
    const clab = await cli.run('-t', lab, 'export', 'containerlab', 'clab');
    expect(clab.stderr).toBe(
      'note: network policy is not reproduced in containerlab (its containers run BIRD, not Felix): 4 policies are left out\n',
    );
    expect(readFileSync(cli.path('clab', 'README.md'), 'utf8')).toContain('Network policy is not reproduced here');
  });
});

describe('where Felix does not police', () => {
  it('a hostNetwork pod is no endpoint: its node reaches local pods past any policy, other nodes only by ipBlock', async () => {
    const topology = `${SHOP}---
apiVersion: v1
kind: Pod
metadata: { name: agent, namespace: shop, labels: { app: agent } }
spec: { nodeName: node-2, hostNetwork: true, containers: [{ name: agent, image: nicolaka/netshoot, command: [sleep, infinity] }] }
---
apiVersion: v1
kind: Pod
metadata: { name: remote-agent, namespace: shop, labels: { app: agent } }
spec: { nodeName: node-1, hostNetwork: true, containers: [{ name: agent, image: nicolaka/netshoot, command: [sleep, infinity] }] }
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: backend-from-agents, namespace: shop }
spec:
  podSelector: { matchLabels: { app: backend } }
  ingress: [{ from: [{ podSelector: { matchLabels: { app: agent } } }] }]
`;
    const file = write('host.yaml', topology);
    const local = await cli.run('-t', file, 'trace', 'shop/agent', 'shop/backend:8080');
    expect(local.stdout).toContain('=> ACCEPTED');
    expect(local.stdout).not.toContain('POLICY');
    // From node-1 the packet carries node-1's tunl0 address (IPIP): no endpoint, so the podSelector cannot match it.
    const remote = await cli.run('-t', file, 'trace', 'shop/remote-agent', 'shop/backend:8080');
    expect(remote.stdout).toMatch(/ORIGINATED +TCP 192\.168\.\d+\.\d+ -> /);
    expect(remote.stdout).toContain('=> DENIED_IN at node-2: ingress of shop/backend');
  });
});

describe('trace JSON', () => {
  it("carries each POLICY step's policies, matches and decision for tools", async () => {
    const lab = `${REPO}/topologies/labs/calico-global-policy/lab.yaml`;
    const run = await cli.run('-t', lab, 'trace', 'client', 'db:6379', '-o', 'json');
    const steps = (JSON.parse(run.stdout) as { forward: { hops: { steps: { kind: string }[] }[] }[] }).forward[0]?.hops
      .flatMap((h) => h.steps)
      .filter((s) => s.kind === 'POLICY');
    expect(steps?.[1]).toMatchObject({
      direction: 'ingress',
      endpoint: 'default/db',
      allowed: false,
      policies: [
        {
          name: 'GlobalNetworkPolicy security.quarantine',
          tier: 'security',
          order: 10,
          rule: 'ingress[1]',
          action: 'Pass',
        },
        { name: 'GlobalNetworkPolicy db-lockdown', tier: 'default', order: 100, logged: ['ingress[0]'] },
        { name: 'NetworkPolicy default/isolate-db', tier: 'default', order: 1000 },
      ],
      decision: 'no rule matched: end of tier default (defaultAction Deny) drops it',
    });
  });
});

describe('policy explain of a name that got no answer', () => {
  it("explains the lookup's DNS query and names the rule that lets it reach CoreDNS", async () => {
    const lab = `${REPO}/topologies/labs/default-deny/lab.yaml`;
    const run = await cli.run('-t', lab, 'policy', 'explain', 'shop/frontend', 'backend.shop:8080');
    expect(run.stdout).toContain("The name's DNS query (UDP 53 to kube-dns 10.96.0.10), which got no answer:");
    expect(run.stdout).toMatch(
      /- podSelector:\n +matchLabels:\n +k8s-app: kube-dns\n +namespaceSelector:\n +matchLabels:\n +kubernetes\.io\/metadata\.name: kube-system\n +ports:\n +- protocol: UDP\n +port: 53/,
    );
  });
});

describe('the built-in default tier', () => {
  it('cannot be written again: a Tier named default is refused where it stands', async () => {
    const file = write(
      'tier.yaml',
      `${SHOP}---\napiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: { name: default }\nspec: { order: 5 }\n`,
    );
    const run = await cli.run('validate', file);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('metadata.name: tier "default" is built in (order 1000000, defaultAction Deny)');
  });
});
