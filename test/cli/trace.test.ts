/** `podnet trace` and `podnet reach` as a user types them. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliSandbox, repoPath } from '../helpers/cli.js';

let cli: CliSandbox;
beforeEach(async () => {
  cli = new CliSandbox({ PODNET_INSTANT: '1' });
  await cli.run('init');
  await cli.run('create', '-f', repoPath('topologies/pods/hello-pod.yml'));
});
afterEach(() => cli.dispose());

describe('podnet trace', () => {
  it('prints numbered hops with their steps and the disposition', async () => {
    const { code, stdout } = await cli.run('trace', 'date-pod', 'hello-pod');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe('Flow: TCP 192.168.61.1 -> 192.168.247.1:8080 (default/date-pod -> default/hello-pod)');
    expect(lines[1]).toBe('Trace 1 of 1: ACCEPTED');
    expect(stdout).toMatch(/^ {2}2\. node-1 \(ttl 63\)$/m);
    expect(stdout).toMatch(
      /^ {7}FIB_LOOKUP {4}192\.168\.247\.0\/26 via 10\.0\.1\.12 dev tunl0 onlink {2}\(BGP from node-2 \(Mesh_10_0_1_12\), AS path \(empty\), best by only route\)$/m,
    );
    expect(stdout).toMatch(/^ {7}ENCAPSULATED {2}outer 10\.0\.1\.11 -> 10\.0\.1\.12, IP protocol 4, tunl0 MTU 1480$/m);
    expect(lines.at(-2)).toBe('  => ACCEPTED at default/hello-pod: hello-ctr accepted 8080/TCP');
  });

  it('takes pod:port, IP:port, --port, --udp and names the refusal', async () => {
    for (const argv of [
      ['date-pod', 'hello-pod:9999'],
      ['date-pod', '192.168.247.1:9999'],
      ['date-pod', 'hello-pod', '--port', '9999'],
    ]) {
      expect((await cli.run('trace', ...argv)).stdout).toMatch(
        /=> CONNECTION_REFUSED at default\/hello-pod: nothing listens on 9999\/TCP/,
      );
    }
    expect((await cli.run('trace', 'date-pod', 'hello-pod', '--udp')).stdout).toMatch(/^Flow: UDP /);
  });

  it('traces to a node and to localhost', async () => {
    expect((await cli.run('trace', 'date-pod', 'node-2:10250')).stdout).toMatch(
      /=> ACCEPTED at node-2: kubelet on node-2 accepted 10250\/TCP/,
    );
    expect((await cli.run('trace', 'date-pod', 'localhost:8080')).stdout).toMatch(
      /LOOPBACK {6}localhost stays in the pod's network namespace/,
    );
  });

  it('--bidirectional also traces the reply', async () => {
    const { stdout } = await cli.run('trace', 'date-pod', 'hello-pod', '--bidirectional');
    expect(stdout).toMatch(
      /\nReply:\nFlow: TCP 192\.168\.247\.1 -> 192\.168\.61\.1:32768 \(default\/hello-pod -> default\/date-pod\)/,
    );
    expect(stdout.trimEnd().split('\n').at(-1)).toBe(
      '  => ACCEPTED at default/date-pod: reply reached default/date-pod',
    );
  });

  it('--at traces against the forwarding state of that moment', async () => {
    await cli.run('fail', 'node', 'node-2');
    // node-2 stopped at 600 s; node-1 keeps its route until the hold timer runs out (~802 s).
    expect((await cli.run('trace', 'date-pod', 'hello-pod', '--at', '650')).stdout).toMatch(
      /=> NEIGHBOR_UNREACHABLE at node-1: outer destination 10\.0\.1\.12: No route to host/,
    );
  });

  it('documents itself in JSON', async () => {
    const json = JSON.parse((await cli.run('trace', 'date-pod', 'hello-pod', '-o', 'json')).stdout);
    expect(json.forward[0].disposition).toEqual({
      kind: 'ACCEPTED',
      at: 'default/hello-pod',
      detail: 'hello-ctr accepted 8080/TCP',
    });
    expect(json.forward[0].flow).toMatchObject({
      src: '192.168.61.1',
      dst: '192.168.247.1',
      protocol: 'TCP',
      port: 8080,
    });
    const encap = json.forward[0].hops[1].steps.find((s: { kind: string }) => s.kind === 'ENCAPSULATED');
    expect(encap).toMatchObject({ encap: 'IPIP', outerSrc: '10.0.1.11', outerDst: '10.0.1.12' });
  });

  it('refuses unknown pods with a suggestion, exit 1', async () => {
    expect(await cli.run('trace', 'date-pdo', 'hello-pod')).toMatchObject({
      code: 1,
      stderr: 'Error from server (NotFound): pods "date-pdo" not found (did you mean "date-pod"?)\n',
    });
  });
});

describe('podnet reach', () => {
  it('prints the all-pairs matrix and a summary line', async () => {
    const { stdout } = await cli.run('reach', '--port', '8080');
    expect(stdout).toBe(
      [
        'FROM \\ TO   date-pod   hello-pod',
        'date-pod    -          ACCEPTED',
        'hello-pod   ACCEPTED   -',
        '2 pairs, 2 reachable: 2 ACCEPTED',
        '',
      ].join('\n'),
    );
  });

  it('selects pods by label and reports refusals', async () => {
    const { stdout } = await cli.run('reach', '--from', "zone == 'prod'", '--to', "app == 'hello'", '--port', '80');
    expect(stdout).toMatch(/^date-pod {4}CONNECTION_REFUSED$/m);
    expect(stdout).toMatch(/^1 pair, 0 reachable: 1 CONNECTION_REFUSED$/m);
    expect(await cli.run('reach', '--from', "zone = 'prod'")).toMatchObject({ code: 1 });
  });
});
