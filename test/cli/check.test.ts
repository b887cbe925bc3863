/** `podnet check`: a teacher's checks fail on the broken lab, pass once it is fixed, and say why. */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { CliSandbox, repoPath } from '../helpers/cli.js';

const cli = new CliSandbox();
afterAll(() => cli.dispose());

const SPLIT = repoPath('topologies/rr-split-clients.yaml');

describe('podnet check', () => {
  it('fails the shared-cluster-ID lab with what was expected and found, exit 1', async () => {
    const result = await cli.run('check', SPLIT);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      "FAIL  node-1 reaches node-3's block: expected 192.168.79.192/26 via 10.0.0.13, found node-1 has no route for 192.168.79.192/26\n",
    );
    expect(result.stdout).toContain('PASS  node-1 peers with rr-1: 1 established peers\n');
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('2 passed, 2 failed');
  });

  it('passes once the student gives the reflectors distinct cluster IDs, exit 0', async () => {
    const fixed = readFileSync(SPLIT, 'utf8').replace(
      'routeReflectorClusterID: 244.0.0.1, labels: { route-reflector: "true", rr: rr-2 }',
      'routeReflectorClusterID: 244.0.0.2, labels: { route-reflector: "true", rr: rr-2 }',
    );
    writeFileSync(cli.path('fixed.yaml'), fixed);
    const result = await cli.run('check', 'fixed.yaml');
    expect(result).toMatchObject({ code: 0 });
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('4 passed, 0 failed');
  });

  it('gives autograders JSON', async () => {
    const json = JSON.parse((await cli.run('check', SPLIT, '-o', 'json')).stdout);
    expect(json).toMatchObject({ passed: 2, failed: 2 });
    expect(json.results[1]).toEqual({
      name: "node-1 reaches node-3's block",
      check: 'best',
      passed: false,
      expected: '192.168.79.192/26 via 10.0.0.13',
      found: 'node-1 has no route for 192.168.79.192/26',
    });
  });

  it('checks reachability, routes that must not exist, and convergence time', async () => {
    const lab = readFileSync(repoPath('topologies/two-rack-no-tor-routes.yaml'), 'utf8');
    writeFileSync(
      cli.path('blackhole.yaml'),
      `${lab}events:\n  - { at: 30s, action: node-down, node: node-2b }\nchecks:\n` +
        '  - { name: blocked at the ToR, check: reach, from: client, to: server, expect: NO_ROUTE }\n' +
        '  - { name: client reaches server, check: reach, from: client, to: server }\n' +
        '  - { name: the ToR knows no pods, check: no-route, to: 10.244.218.65, nodes: [tor-1, spine] }\n' +
        '  - { name: settles within the hold time, check: converged, within: 4m }\n',
    );
    const result = await cli.run('check', 'blackhole.yaml');
    expect(result.stdout).toContain('PASS  blocked at the ToR: NO_ROUTE on 80/TCP\n');
    expect(result.stdout).toMatch(
      /^FAIL {2}client reaches server: expected ACCEPTED on 80\/TCP, found NO_ROUTE at tor-1: tor-1 has no route to 10\.244\.218\.64$/m,
    );
    expect(result.stdout).toContain('PASS  the ToR knows no pods: no route to 10.244.218.65\n');
    expect(result.stdout).toMatch(/^PASS {2}settles within the hold time: routes settled 2\d\d\.\d{3}s after it$/m);
    expect(result.code).toBe(1);
  });

  it('locates checks that name things that do not exist, exit 2', async () => {
    writeFileSync(
      cli.path('bad.yaml'),
      'cluster: { name: bad }\nnodes: [{ name: node-1, address: 10.0.0.1/24 }]\nchecks:\n  - { check: peers, node: node-9, established: 1 }\n',
    );
    const result = await cli.run('check', 'bad.yaml');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^bad\.yaml:4:27: checks\[0\]\.node: unknown node or router "node-9" \(did you mean "node-1"\?\)$/m,
    );
  });
});
