/**
 * The seed session continued, as a user types it: a ReplicationController of date-pod, a pod
 * deleted and replaced, a scale, a node failing (NotReady, eviction 300 s later, replacements
 * elsewhere, routes and traces following), a Deployment rolling out and back, a drain, and bad
 * manifests refused where they stand. The wall clock is the sandbox's, moved by the test.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliSandbox, repoPath, tableCell, tableRows } from '../helpers/cli.js';

let cli: CliSandbox;
beforeEach(() => {
  cli = new CliSandbox();
});
afterEach(() => cli.dispose());

const RC = repoPath('topologies/pods/date-rc.yml');

function rcPods(text: string): string[][] {
  return tableRows(text).filter((row) => row[0]?.startsWith('date-rc-'));
}

const DEPLOYMENT = (image: string) => `apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  replicas: 3
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers: [{ name: web, image: ${image}, ports: [{ containerPort: 80 }] }]
`;

describe('the seed session continued: a ReplicationController', () => {
  it('creates 3 replicas over both workers, replaces a deleted pod, scales to 5', async () => {
    expect((await cli.run('init')).code).toBe(0);
    cli.advance(20);
    expect(await cli.run('create', '-f', RC)).toMatchObject({
      code: 0,
      stdout: 'replicationcontroller/date-rc created\n',
    });
    cli.advance(20);
    const wide = (await cli.run('get', 'pods', '-o', 'wide')).stdout;
    const pods = rcPods(wide);
    expect(pods).toHaveLength(3);
    for (const row of pods) {
      expect(row[0]).toMatch(/^date-rc-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      expect(row.slice(1, 3)).toEqual(['1/1', 'Running']);
    }
    expect(new Set(pods.map((row) => row[6]))).toEqual(new Set(['node-1', 'node-2']));
    expect(tableRows((await cli.run('get', 'rc')).stdout)).toEqual([
      ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE'],
      ['date-rc', '3', '3', '3', '20s'],
    ]);

    const [victim, victimIp] = [pods[0]?.[0] as string, pods[0]?.[5] as string];
    expect(await cli.run('delete', 'pod', victim)).toMatchObject({ code: 0, stdout: `pod "${victim}" deleted\n` });
    cli.advance(10);
    const after = rcPods((await cli.run('get', 'pods', '-o', 'wide')).stdout);
    expect(after).toHaveLength(3);
    const fresh = after.filter((row) => !pods.some((old) => old[0] === row[0]));
    expect(fresh).toHaveLength(1);
    expect(fresh[0]?.[5]).not.toBe(victimIp);
    expect(fresh[0]?.[4]).toBe('10s');

    expect(await cli.run('scale', 'rc', 'date-rc', '--replicas', '5')).toMatchObject({
      code: 0,
      stdout: 'replicationcontroller/date-rc scaled\n',
    });
    cli.advance(10);
    expect(tableRows((await cli.run('get', 'rc', 'date-rc')).stdout)[1]?.slice(0, 4)).toEqual([
      'date-rc',
      '5',
      '5',
      '5',
    ]);
    const described = (await cli.run('describe', 'rc', 'date-rc')).stdout;
    expect(described).toMatch(/^Replicas:\s+5 current \/ 5 desired$/m);
    expect(
      described.match(/Normal\s+SuccessfulCreate\s+\S+\s+replication-controller\s+Created pod: date-rc-\w{5}/g),
    ).toHaveLength(6);
    const pod = JSON.parse((await cli.run('get', 'pod', fresh[0]?.[0] as string, '-o', 'json')).stdout);
    expect(pod.metadata.ownerReferences).toEqual([
      expect.objectContaining({ apiVersion: 'v1', kind: 'ReplicationController', name: 'date-rc', controller: true }),
    ]);
    expect(await cli.run('scale', 'rc/date-rc', '--replicas=-1')).toMatchObject({
      code: 1,
      stderr: 'error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0\n',
    });
  });
});

describe('a node fails, as Kubernetes sees it', () => {
  it('NotReady after 40 s, pods evicted 300 s later and recreated on node-1; restore brings it back', async () => {
    await cli.run('init');
    await cli.run('create', '-f', RC);
    cli.advance(30);
    const before = rcPods((await cli.run('get', 'pods', '-o', 'wide')).stdout);
    const onNode2 = before.filter((row) => row[6] === 'node-2');
    expect(onNode2.length).toBeGreaterThan(0);
    expect((await cli.run('fail', 'node', 'node-2')).code).toBe(0);

    cli.advance(39);
    expect(tableCell((await cli.run('get', 'nodes')).stdout, 'node-2', 'STATUS')).toBe('Ready');
    cli.advance(2);
    expect(tableCell((await cli.run('get', 'nodes')).stdout, 'node-2', 'STATUS')).toBe('NotReady');
    expect(tableCell((await cli.run('get', 'rc')).stdout, 'date-rc', 'READY')).toBe(String(3 - onNode2.length));

    cli.advance(299);
    const evicted = rcPods((await cli.run('get', 'pods', '-o', 'wide')).stdout);
    for (const row of onNode2) expect(evicted.find((r) => r[0] === row[0])?.[2]).toBe('Terminating');
    const replacements = evicted.filter((row) => !before.some((old) => old[0] === row[0]));
    expect(replacements.map((row) => row[6])).toEqual(onNode2.map(() => 'node-1'));

    cli.advance(10);
    for (const row of replacements) {
      const trace = await cli.run('trace', 'date-pod', `${row[5]}:8080`);
      expect(trace.stdout).toMatch(/Trace 1 of 1: ACCEPTED/);
    }
    const stale = await cli.run('trace', 'date-pod', `${onNode2[0]?.[5]}:8080`);
    expect(stale.stdout).not.toMatch(/ACCEPTED/);

    expect((await cli.run('restore', 'node', 'node-2')).code).toBe(0);
    expect(tableCell((await cli.run('get', 'nodes')).stdout, 'node-2', 'STATUS')).toBe('Ready');
    const back = rcPods((await cli.run('get', 'pods', '-o', 'wide')).stdout);
    expect(back).toHaveLength(3);
    expect(back.every((row) => row[2] === 'Running')).toBe(true);
    await cli.run('scale', 'rc', 'date-rc', '--replicas', '6');
    const scaled = rcPods((await cli.run('get', 'pods', '-o', 'wide')).stdout);
    expect(scaled.filter((row) => row[6] === 'node-2')).toHaveLength(3);
  });
});

describe('describe node, and events that outlive an outage', () => {
  it('shows the unreachable taints and NodeNotReady, then NodeReady; a pod keeps its NodeNotReady event', async () => {
    await cli.run('init');
    await cli.run('create', '-f', RC);
    cli.advance(30);
    const onNode2 = rcPods((await cli.run('get', 'pods', '-o', 'wide')).stdout).find((row) => row[6] === 'node-2');
    await cli.run('fail', 'node', 'node-2');
    cli.advance(100);
    const down = (await cli.run('describe', 'node', 'node-2')).stdout;
    expect(down).toMatch(
      /^Taints:\s+node\.kubernetes\.io\/unreachable:NoSchedule\n\s+node\.kubernetes\.io\/unreachable:NoExecute$/m,
    );
    expect(down).toMatch(/^ {2}Ready\s+Unknown\s+NodeStatusUnknown\s+Kubelet stopped posting node status\.$/m);
    expect(down).toMatch(/Normal\s+NodeNotReady\s+60s\s+node-controller\s+Node node-2 status is now: NodeNotReady/);
    await cli.run('restore', 'node', 'node-2');
    cli.advance(10);
    const up = (await cli.run('describe', 'node', 'node-2')).stdout;
    expect(up).toMatch(/^Taints:\s+<none>$/m);
    expect(up).toMatch(/Normal\s+NodeReady\s+10s\s+kubelet\s+Node node-2 status is now: NodeReady/);
    const pod = (await cli.run('describe', 'pod', onNode2?.[0] as string)).stdout;
    expect(pod).toMatch(/Warning\s+NodeNotReady\s+70s\s+node-controller\s+Node is not ready/);
    expect(pod).toMatch(/^ {2}Ready\s+True$/m);
  });
});

describe('a Deployment', () => {
  it('rolls out a new image one pod at a time (maxSurge 25%, maxUnavailable 25%) and rolls back', async () => {
    await cli.run('init', '--no-pods');
    writeFileSync(cli.path('web.yml'), DEPLOYMENT('nginx'));
    writeFileSync(cli.path('web2.yml'), DEPLOYMENT('httpd'));
    expect((await cli.run('create', '-f', 'web.yml')).stdout).toBe('deployment.apps/web created\n');
    cli.advance(30);
    expect((await cli.run('apply', '-f', 'web.yml')).stdout).toBe('deployment.apps/web unchanged\n');
    expect((await cli.run('apply', '-f', 'web2.yml')).stdout).toBe('deployment.apps/web configured\n');
    const desired = async () =>
      tableRows((await cli.run('get', 'rs')).stdout)
        .slice(1)
        .map((row) => row[1]);
    const oldRs = tableRows((await cli.run('get', 'rs')).stdout).find((row) => row[1] === '3')?.[0] as string;
    const steps: (string | undefined)[][] = [];
    for (let i = 0; i < 4; i++) {
      const rows = tableRows((await cli.run('get', 'rs')).stdout).slice(1);
      steps.push([rows.find((r) => r[0] !== oldRs)?.[1], rows.find((r) => r[0] === oldRs)?.[1]]);
      if (i === 0)
        expect((await cli.run('rollout', 'status', 'deploy/web')).stdout).toBe(
          'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...\n',
        );
      cli.advance(5);
    }
    expect(steps).toEqual([
      ['1', '3'],
      ['2', '2'],
      ['3', '1'],
      ['3', '0'],
    ]);
    expect((await cli.run('rollout', 'status', 'deployment', 'web')).stdout).toBe(
      'deployment "web" successfully rolled out\n',
    );
    expect(tableRows((await cli.run('get', 'deploy')).stdout)[1]?.slice(0, 4)).toEqual(['web', '3/3', '3', '3']);
    expect((await cli.run('rollout', 'history', 'deploy/web')).stdout).toBe(
      'deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n',
    );
    expect((await cli.run('rollout', 'undo', 'deploy/web')).stdout).toBe('deployment.apps/web rolled back\n');
    cli.advance(30);
    expect((await cli.run('rollout', 'history', 'deploy/web')).stdout).toMatch(
      /REVISION {2}CHANGE-CAUSE\n2 +<none>\n3 +<none>\n$/,
    );
    expect(tableCell((await cli.run('get', 'rs')).stdout, oldRs, 'DESIRED')).toBe('3');
    const images = (await cli.run('get', 'pods', '-o', 'json')).stdout;
    expect(
      JSON.parse(images).items.map((p: { spec: { containers: { image: string }[] } }) => p.spec.containers[0]?.image),
    ).toEqual(['nginx', 'nginx', 'nginx']);
    expect(await desired()).toHaveLength(2);
    const listed = (await cli.run('get', 'deploy,rs')).stdout.split('\n\n');
    expect(tableRows(listed[0] as string)[1]?.[0]).toBe('deployment.apps/web');
    expect(tableRows(listed[1] as string).map((row) => row[0])).toContain(`replicaset.apps/${oldRs}`);
    const all = (await cli.run('get', 'all', '-o', 'name')).stdout.trimEnd().split('\n');
    expect(all.filter((line) => line.startsWith('pod/'))).toHaveLength(3);
    expect(all).toContain('deployment.apps/web');
    expect(all.filter((line) => line.startsWith('replicaset.apps/'))).toHaveLength(2);
    expect((await cli.run('rollout', 'undo', 'deploy/web', '--to-revision', '9')).stderr).toBe(
      'error: unable to find specified revision 9 in history\n',
    );
  });
});

describe('drain', () => {
  it("refuses a bare pod without --force with kubectl's message, and evicts with it", async () => {
    await cli.run('init');
    await cli.run('create', '-f', RC);
    cli.advance(30);
    const refused = await cli.run('drain', 'node-1');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('node/node-1 cordoned\n');
    expect(refused.stderr).toBe(
      'error: unable to drain node "node-1" due to error: cannot delete Pods that declare no controller (use --force to override): default/date-pod, continuing command...\n' +
        'There are pending nodes to be drained:\n node-1\n' +
        'cannot delete Pods that declare no controller (use --force to override): default/date-pod\n',
    );
    expect(tableCell((await cli.run('get', 'nodes')).stdout, 'node-1', 'STATUS')).toBe('Ready,SchedulingDisabled');
    const forced = await cli.run('drain', 'node-1', '--force');
    expect(forced.code).toBe(0);
    expect(forced.stderr).toBe('Warning: deleting Pods that declare no controller: default/date-pod\n');
    expect(forced.stdout).toMatch(/^node\/node-1 already cordoned\nevicting pod default\/date-pod\n/);
    expect(forced.stdout).toMatch(/pod\/date-pod evicted\n(.|\n)*node\/node-1 drained\n$/);
    cli.advance(10);
    const pods = tableRows((await cli.run('get', 'pods', '-o', 'wide')).stdout).slice(1);
    expect(pods.map((row) => row[6])).toEqual(['node-2', 'node-2', 'node-2']);
    expect(pods.every((row) => row[0]?.startsWith('date-rc-'))).toBe(true);
  });
});

describe('bad controller manifests', () => {
  it("are refused at file:line:column with the API server's words, exit 2, the workspace unchanged", async () => {
    await cli.run('init', '--no-pods');
    const state = readFileSync(cli.path('.podnet/state.json'), 'utf8');
    writeFileSync(
      cli.path('bad.yml'),
      `${readFileSync(RC, 'utf8').replace('replicas: 3', 'replicas: -1').replace('app: date\n  template', 'app: other\n  template')}---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: { name: web }\n`,
    );
    const result = await cli.run('create', '-f', 'bad.yml');
    expect(result.code).toBe(2);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toEqual([
      'bad.yml:7:13: spec.replicas: The ReplicationController "date-rc" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
      'bad.yml:13:9: spec.template.metadata.labels: The ReplicationController "date-rc" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"date"}: `selector` does not match template `labels`',
      'bad.yml:22:7: kind: podnet create handles Pod, Service, ReplicationController, ReplicaSet, Deployment, NetworkPolicy, GlobalNetworkPolicy, Namespace, Tier; podnet does not model Ingress objects',
      '3 problems found',
    ]);
    expect(readFileSync(cli.path('.podnet/state.json'), 'utf8')).toBe(state);
  });
});

describe('grading the Kubernetes side', () => {
  const LAB = repoPath('topologies/labs/replication-and-failure/lab.yaml');

  it('the replication-and-failure lab passes its pods, replicas and node checks', async () => {
    const result = await cli.run('check', LAB);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      'PASS  its pods are Terminating after eviction: 3 pods app=date on node-2: 3 Terminating: 3 not ready\n',
    );
    expect(result.stdout).toContain('PASS  the controller has 5 ready replicas again by 540 s: 5 ready replicas\n');
  });

  it('a wrong expectation fails, saying what was found', async () => {
    const text = readFileSync(LAB, 'utf8')
      .replace('ready: 5, at: 540s', 'ready: 5, at: 521s')
      .replace('status: Terminating, at: 521s', 'status: Running, at: 521s')
      .replace('ready: false, at: 221s', 'ready: false, at: 219s');
    writeFileSync(cli.path('lab.yaml'), text);
    const result = await cli.run('check', 'lab.yaml');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'FAIL  node-2 is NotReady 41 s after it stopped: expected node-2 NotReady, found node-2 Ready\n',
    );
    expect(result.stdout).toContain(
      'FAIL  its pods are Terminating after eviction: expected some pods app=date on node-2, Running, found 3 pods app=date on node-2: 3 Terminating: 3 not ready\n',
    );
    expect(result.stdout).toContain(
      'FAIL  the controller has 5 ready replicas again by 540 s: expected 5 ready replicas, found 2 ready replicas\n',
    );
    expect(result.stdout).toMatch(/5 passed, 3 failed\n$/);
  });
});
