/**
 * Every file under topologies/broken/ fails validation with exit code 2, every problem in it is
 * reported at once at its file:line:column, and no stack trace ever reaches the user.
 */
import { readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { CliSandbox, repoPath } from '../helpers/cli.js';

const cli = new CliSandbox();
afterAll(() => cli.dispose());

const EXPECTED: Record<string, readonly string[]> = {
  'yaml-syntax.yaml': ['6:1: YAML syntax error (BAD_INDENT)'],
  'unknown-keys.yaml': [
    '5:5: cluster.bgp.asNumbr: unknown key "asNumbr" (did you mean "asNumber"?)',
    '9:5: pools[0].ipipmode: unknown key "ipipmode" (did you mean "ipipMode"?)',
    '12:5: nodes[0].adress: unknown key "adress" (did you mean "address"?)',
    '20:11: pods[0].spec.containers[0].imagee: unknown key "imagee" (did you mean "image"?)',
  ],
  'wrong-types.yaml': [
    '4:9: cluster.seed: must be a number (found "one")',
    '6:28: cluster.bgp.nodeToNodeMeshEnabled: must be a boolean (found "yes please")',
    '10:16: pools[0].blockSize: must be a number (found "twenty-six")',
    '11:16: pools[0].vxlanMode: must be "Never" or "Always" or "CrossSubnet" (found "Sometimes")',
    '12:8: nodes: must be a list (found "node-1")',
  ],
  'bad-cidrs.yaml': [
    '5:31: pools[0].cidr: "192.168.1.5/24" is not a network address: host bits are set (did you mean 192.168.1.0/24?)',
    '6:29: pools[1].cidr: "300.1.2.3" is not an IPv4 address',
    '8:30: nodes[0].address: "10.0.1.11" has no prefix length',
  ],
  'block-size.yaml': [
    '5:54: pools[0].blockSize: block size 33 is out of range: IPv4 blocks are /20 to /32',
    '6:54: pools[1].blockSize: block size 19 is out of range',
    '7:61: pools[2].blockSize: block size /26 is larger than the pool 10.3.0.0/28',
  ],
  'overlapping-pools.yaml': [
    '6:22: pools[1].cidr: pool 192.168.128.0/17 overlaps pool "a" (192.168.0.0/16)',
    '7:31: pools[2].cidr: pool 169.254.0.0/16 overlaps the link-local range',
    '8:75: pools[3].vxlanMode: IPIP and VXLAN cannot both be enabled on one pool',
  ],
  'node-in-pool.yaml': ['7:30: nodes[0].address: node address 192.168.1.11/24 is inside pool "default-ipv4-ippool"'],
  'duplicates.yaml': [
    '6:13: pools[1].name: duplicate pool name "p"',
    '9:13: nodes[1].name: duplicate node name "node-1"',
    '10:30: nodes[2].address: duplicate address 10.0.1.11: node "node-1" already uses it',
    '12:11: routers[0].name: duplicate name "node-2": already a node or router',
  ],
  'unknown-refs.yaml': [
    '12:19: routers[0].peers[0].router: unknown router "spine"',
    '14:27: peers[0].node: unknown node "node-3" (did you mean "node-1"?)',
    '16:77: pods[0].spec.nodeName: unknown node "node-9"',
    '18:50: events[0].link[1]: unknown node or router "tor-2" (did you mean "tor-1"?)',
    '19:41: events[1].node: unknown node or router "nod-2" (did you mean "node-2"?)',
    '20:41: events[2].pod: unknown pod "default/webb"',
  ],
  'as-range.yaml': [
    '5:15: cluster.bgp.asNumber: an AS number is between 1 and 4294967295',
    '7:54: nodes[0].asNumber: an AS number is between 1 and 4294967295',
    '10:15: routers[0].asNumber: an AS number is between 1 and 4294967295',
  ],
  'bad-selector.yaml': [
    `5:52: pools[0].nodeSelector: malformed selector "rack = 'r1'": unexpected character "=" at character 6`,
    '9:31: peers[0].nodeSelector: malformed selector "all(": expected ")" but found the end of the selector at character 5',
    `9:53: peers[0].peerSelector: malformed selector "route-reflector == true": expected a quoted value such as 'r1' but found "true" at character 20`,
  ],
  'cluster-id.yaml': [
    '5:66: nodes[0].routeReflectorClusterID: cluster ID "1" is not a dotted quad',
    '6:66: nodes[1].routeReflectorClusterID: cluster ID "244.0.0.256" is not a dotted quad',
  ],
  'ports.yaml': [
    '15:30: pods[0].spec.containers[0].ports[0].containerPort: a port is between 1 and 65535',
    '16:30: pods[0].spec.containers[0].ports[1].containerPort: a port is between 1 and 65535',
  ],
  'duplicate-containers.yaml': [
    '13:19: pods[0].spec.containers[1].name: duplicate container name "app" in pod "sidecars"',
  ],
  'missing-file.yaml': ['7:11: pods[0].file: referenced file "../pods/no-such-pod.yml" not found'],
};

describe('broken topologies', () => {
  it('has an expectation for every file in topologies/broken/', () => {
    expect(readdirSync(repoPath('topologies/broken')).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [file, messages] of Object.entries(EXPECTED)) {
    it(`${file} fails with exit code 2 and every problem located`, async () => {
      const path = repoPath('topologies/broken', file);
      const result = await cli.run('validate', path);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      const lines = result.stderr.trimEnd().split('\n');
      for (const message of messages) {
        expect(
          lines.some((line) => line.startsWith(`${path}:${message}`)),
          `missing: ${message}\n${result.stderr}`,
        ).toBe(true);
      }
      expect(lines.at(-1)).toMatch(/^\d+ problems? found$/);
      expect(result.stderr).not.toMatch(/\n\s+at .*:\d+:\d+\)?$/m);
    });
  }

  it('reports the problems of several files in one run', async () => {
    const result = await cli.run(
      'validate',
      repoPath('topologies/broken/as-range.yaml'),
      repoPath('topologies/broken/ports.yaml'),
    );
    expect(result.code).toBe(2);
    expect(result.stderr.trimEnd().split('\n').at(-1)).toBe('5 problems found');
  });

  it('a read command given a broken topology also exits 2 with the located problems', async () => {
    const result = await cli.run('-t', repoPath('topologies/broken/node-in-pool.yaml'), 'get', 'pods');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('node-in-pool.yaml:7:30:');
  });

  it('each problem carries a code that tools match on (validate -o json), whatever its wording', async () => {
    const expected: Record<string, string[]> = {
      'as-range.yaml': ['out-of-range'],
      'bad-cidrs.yaml': ['invalid-cidr'],
      'bad-selector.yaml': ['invalid-selector'],
      'block-size.yaml': ['conflict', 'out-of-range'],
      'cluster-id.yaml': ['invalid-address'],
      'duplicate-containers.yaml': ['duplicate'],
      'duplicates.yaml': ['duplicate'],
      'missing-file.yaml': ['unreadable'],
      'node-in-pool.yaml': ['overlap'],
      'overlapping-pools.yaml': ['conflict', 'overlap'],
      'ports.yaml': ['out-of-range'],
      'unknown-keys.yaml': ['missing-key', 'unknown-key'],
      'unknown-refs.yaml': ['unknown-name'],
      'wrong-types.yaml': ['invalid-value', 'wrong-type'],
      'yaml-syntax.yaml': ['yaml'],
    };
    for (const [file, codes] of Object.entries(expected)) {
      const result = await cli.run('validate', '-o', 'json', repoPath('topologies/broken', file));
      expect(result.code, file).toBe(2);
      const { problems } = JSON.parse(result.stdout) as { problems: { code: string }[] };
      expect([...new Set(problems.map((p) => p.code))].sort(), file).toEqual(codes);
    }
  });
});
