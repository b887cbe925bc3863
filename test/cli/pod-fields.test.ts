/**
 * Pod fields that change what a user sees: hostNetwork (the node's address, no veth, traces that
 * start and end on the node), init containers (Init:0/1 until they exit 0) and readiness probes
 * (Ready only once the probed port answers), each in get pods, describe and traces.
 */
import { writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliSandbox, tableCell } from '../helpers/cli.js';

let cli: CliSandbox;
beforeEach(async () => {
  cli = new CliSandbox();
  expect((await cli.run('init')).code).toBe(0);
});
afterEach(() => cli.dispose());

function create(name: string, text: string): Promise<{ code: number }> {
  writeFileSync(cli.path(`${name}.yml`), text);
  return cli.run('create', '-f', `${name}.yml`);
}

describe('hostNetwork', () => {
  it("runs on the node's address, without a pool address or veth, and traces end and start on the node", async () => {
    await create(
      'agent',
      'apiVersion: v1\nkind: Pod\nmetadata: { name: agent }\nspec:\n  hostNetwork: true\n  nodeName: node-2\n  containers: [{ name: agent, image: nginx, ports: [{ containerPort: 80 }] }]\n',
    );
    cli.advance(30);
    const wide = (await cli.run('get', 'pods', '-o', 'wide')).stdout;
    expect(tableCell(wide, 'agent', 'IP')).toBe('10.0.1.12');
    const described = (await cli.run('describe', 'pod', 'agent')).stdout;
    expect(described).not.toContain('cni.projectcalico.org');
    expect(described).toMatch(/^ {4}Host Port:\s+80\/TCP$/m);
    const to = (await cli.run('trace', 'date-pod', 'agent:80')).stdout;
    expect(to).toMatch(
      /3\. node-2 \(ttl 62\)\n\s+RECEIVED\s+eth0: 10\.0\.1\.11 -> 10\.0\.1\.12\n\s+DELIVERED\s+to container agent/,
    );
    expect(to).toContain('=> ACCEPTED at default/agent: agent accepted 80/TCP');
    const from = (await cli.run('trace', 'agent', 'date-pod:8080')).stdout;
    // The route to date-pod goes out tunl0, so the kernel picks tunl0's address (node-2's block base).
    expect(from).toMatch(/^ {2}1\. node-2 \(ttl 64\)\n\s+ORIGINATED\s+TCP 192\.168\.247\.0 -> 192\.168\.61\.1:8080/m);
    expect(from).toContain('=> ACCEPTED at default/date-pod');
  });
});

describe('init containers', () => {
  it('hold the pod at Init:0/1 until they exit 0, then the containers start', async () => {
    await create(
      'init',
      'apiVersion: v1\nkind: Pod\nmetadata: { name: app }\nspec:\n  initContainers: [{ name: wait, image: busybox, command: [sleep, "20"] }]\n  containers: [{ name: web, image: nginx }]\n',
    );
    cli.advance(5);
    expect(tableCell((await cli.run('get', 'pods')).stdout, 'app', 'STATUS')).toBe('Init:0/1');
    const early = (await cli.run('describe', 'pod', 'app')).stdout;
    expect(early).toMatch(/^Init Containers:\n {2}wait:/m);
    expect(early).toMatch(/^ {2}Initialized\s+False$/m);
    cli.advance(25);
    const later = (await cli.run('get', 'pods')).stdout;
    expect([tableCell(later, 'app', 'READY'), tableCell(later, 'app', 'STATUS')]).toEqual(['1/1', 'Running']);
    expect((await cli.run('describe', 'pod', 'app')).stdout).toMatch(
      /^ {4}State:\s+Terminated\n\s+Reason:\s+Completed$/m,
    );
  });

  it('an init container whose image cannot be pulled holds the pod at Init:ImagePullBackOff, after the first completed', async () => {
    await create(
      'bad',
      'apiVersion: v1\nkind: Pod\nmetadata: { name: bad }\nspec:\n  initContainers: [{ name: wait, image: busybox, command: [sleep, "1"] }, { name: pull, image: nosuch/image }]\n  containers: [{ name: web, image: nginx }]\n',
    );
    cli.advance(60);
    expect(tableCell((await cli.run('get', 'pods')).stdout, 'bad', 'STATUS')).toBe('Init:ImagePullBackOff');
  });
});

describe('readiness probes', () => {
  it('gate Ready: Ready after initialDelaySeconds when the port answers, never when it does not', async () => {
    await create(
      'probed',
      `apiVersion: v1
kind: Pod
metadata: { name: probed }
spec:
  containers:
  - name: web
    image: nginx
    ports: [{ containerPort: 80, name: http }]
    readinessProbe: { httpGet: { path: /healthz, port: http }, initialDelaySeconds: 15 }
---
apiVersion: v1
kind: Pod
metadata: { name: deaf }
spec:
  containers:
  - name: web
    image: nginx
    readinessProbe: { tcpSocket: { port: 8081 } }
`,
    );
    cli.advance(10);
    const early = (await cli.run('get', 'pods')).stdout;
    expect([tableCell(early, 'probed', 'READY'), tableCell(early, 'probed', 'STATUS')]).toEqual(['0/1', 'Running']);
    cli.advance(10);
    const later = (await cli.run('get', 'pods')).stdout;
    expect(tableCell(later, 'probed', 'READY')).toBe('1/1');
    expect(tableCell(later, 'deaf', 'READY')).toBe('0/1');
    expect((await cli.run('describe', 'pod', 'deaf')).stdout).toMatch(
      /Warning\s+Unhealthy\s+\S+ \(x2 over \S+\)\s+kubelet\s+Readiness probe failed: dial tcp 192\.168\.\d+\.\d+:8081: connect: connection refused/,
    );
  });
});
