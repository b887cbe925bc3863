/**
 * The seed's session, replayed as a new user would type it: a fresh workspace of the seed lab
 * before any pod, `create -f pod.yml`, `get pods` while the image pulls and after, `describe`,
 * `get pods -o wide`, `delete`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cidrContains, parseCidr, parseIpv4 } from '../../src/core/net/index.js';
import { CliSandbox, repoPath, tableRows } from '../helpers/cli.js';

let cli: CliSandbox;
beforeEach(() => {
  cli = new CliSandbox();
});
afterEach(() => cli.dispose());

const POD = repoPath('topologies/pods/date-pod.yml');

describe('the seed session', () => {
  it('creates date-pod, watches it start, describes, lists wide and deletes it', async () => {
    expect((await cli.run('init', '--no-pods')).code).toBe(0);
    const created = await cli.run('create', '-f', POD);
    expect(created).toMatchObject({ code: 0, stdout: 'pod/date-pod created\n' });

    cli.advance(1);
    const pulling = await cli.run('get', 'pods');
    expect(tableRows(pulling.stdout)).toEqual([
      ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'],
      ['date-pod', '0/1', 'ContainerCreating', '0', '1s'],
    ]);

    cli.advance(16);
    const running = await cli.run('get', 'pods');
    expect(running.stdout).toBe(
      'NAME       READY   STATUS    RESTARTS   AGE\ndate-pod   1/1     Running   0          17s\n',
    );

    const described = (await cli.run('describe', 'pod', 'date-pod')).stdout;
    const sections = [
      'Name:',
      'Namespace:',
      'Priority:',
      'Service Account:',
      'Node:',
      'Start Time:',
      'Labels:',
      'Annotations:',
      'Status:',
      'IP:',
      'IPs:',
      'Containers:',
      'Conditions:',
      'Volumes:',
      'QoS Class:',
      'Node-Selectors:',
      'Tolerations:',
      'Events:',
    ];
    const positions = sections.map((section) => described.search(new RegExp(`^${section}`, 'm')));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(described).toMatch(/^Node:\s+node-1\/10\.0\.1\.11$/m);
    expect(described).toMatch(/^Labels:\s+version=v1\n\s+zone=prod$/m);
    expect(described).toMatch(/^Status:\s+Running$/m);
    expect(described).toMatch(/^ {4}Image:\s+andonovj\/httpserverdemo:latest$/m);
    expect(described).toMatch(/^ {4}Port:\s+8080\/TCP$/m);
    expect(described).toMatch(/^ {4}State:\s+Running$/m);
    expect(described).toMatch(/^ {4}Ready:\s+True$/m);
    expect(described).toMatch(/^ {4}Restart Count:\s+0$/m);
    for (const reason of ['Scheduled', 'Pulling', 'Pulled', 'Created', 'Started']) {
      expect(described).toMatch(new RegExp(`^  Normal\\s+${reason}\\s`, 'm'));
    }
    expect(described).toMatch(/default-scheduler\s+Successfully assigned default\/date-pod to node-1/);

    const wide = tableRows((await cli.run('get', 'pods', '-o', 'wide')).stdout);
    expect(wide[0]).toEqual([
      'NAME',
      'READY',
      'STATUS',
      'RESTARTS',
      'AGE',
      'IP',
      'NODE',
      'NOMINATED NODE',
      'READINESS GATES',
    ]);
    const [, , , , , ip, node] = wide[1] as string[];
    expect(node).toBe('node-1');
    const address = parseIpv4(ip as string) as number;
    const pool = parseCidr('192.168.0.0/16');
    expect(pool.ok && cidrContains(pool.value, address)).toBe(true);
    expect(described).toMatch(new RegExp(`^IP:\\s+${(ip as string).replaceAll('.', '\\.')}$`, 'm'));

    const blocks = (await cli.run('ipam', 'show', '--ip', ip as string)).stdout;
    expect(blocks).toContain(`IP ${ip} is in use`);
    const block = /Block: (\S+) \(affine to node-1\)/.exec(blocks)?.[1] as string;
    const parsedBlock = parseCidr(block);
    expect(parsedBlock.ok && parsedBlock.value.len === 26 && cidrContains(parsedBlock.value, address)).toBe(true);

    expect(await cli.run('delete', 'pod', 'date-pod')).toMatchObject({ code: 0, stdout: 'pod "date-pod" deleted\n' });
    expect(await cli.run('get', 'pod', 'date-pod')).toMatchObject({
      code: 1,
      stderr: 'Error from server (NotFound): pods "date-pod" not found\n',
    });
    expect(await cli.run('get', 'pods')).toMatchObject({
      code: 0,
      stdout: '',
      stderr: 'No resources found in default namespace.\n',
    });
  });

  it("refuses a second create with kubectl's AlreadyExists, and apply leaves it unchanged", async () => {
    await cli.run('init', '--no-pods');
    await cli.run('create', '-f', POD);
    const again = await cli.run('create', '-f', POD);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(
      /^Error from server \(AlreadyExists\): error when creating ".*date-pod\.yml": pods "date-pod" already exists$/m,
    );
    expect(await cli.run('apply', '-f', POD)).toMatchObject({ code: 0, stdout: 'pod/date-pod unchanged\n' });
  });

  it('deleting a pod that does not exist is NotFound with exit code 1', async () => {
    await cli.run('init', '--no-pods');
    expect(await cli.run('delete', 'pod', 'ghost')).toMatchObject({
      code: 1,
      stderr: 'Error from server (NotFound): pods "ghost" not found\n',
    });
  });

  it("a deleted pod's address goes to the back of its block and is reused last", async () => {
    await cli.run('init', '--no-pods', '--instant');
    await cli.run('create', '-f', POD);
    const first = tableRows((await cli.run('get', 'pods', '-o', 'wide')).stdout)[1]?.[5];
    await cli.run('delete', 'pod', 'date-pod');
    await cli.run('create', '-f', POD);
    const second = tableRows((await cli.run('get', 'pods', '-o', 'wide')).stdout)[1]?.[5];
    expect(first).toBe('192.168.61.1');
    expect(second).toBe('192.168.61.2');
  });
});
