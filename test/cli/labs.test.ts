/**
 * The shipped labs: each loads, and `podnet ipam show --show-blocks` adds up as calicoctl's does
 * (64 addresses a /26, in-use counts that match the pods and tunnel addresses, percentages).
 */
import { readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { buildCluster } from '../../src/core/cluster/index.js';
import { CliSandbox, repoPath } from '../helpers/cli.js';
import { lab } from '../helpers/sim.js';

const cli = new CliSandbox();
afterAll(() => cli.dispose());

const LABS = readdirSync(repoPath('topologies')).filter((f) => f.endsWith('.yaml'));

interface Row {
  grouping: string;
  cidr: string;
  total: number;
  inUse: number;
  inUsePercent: number;
  free: number;
}

function parseIpamTable(text: string): Row[] {
  return text
    .split('\n')
    .filter((line) => /^\| (IP Pool|Block)/.test(line))
    .map((line) => {
      const cells = line
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim());
      const [grouping, cidr, total, inUse, free] = cells as [string, string, string, string, string];
      return {
        grouping,
        cidr,
        total: Number(total),
        inUse: Number(inUse.split(' ')[0]),
        inUsePercent: Number(/\((\d+)%\)/.exec(inUse)?.[1]),
        free: Number(free.split(' ')[0]),
      };
    });
}

describe('shipped labs', () => {
  it('ships at least the seed, route-reflector, two-rack, CrossSubnet and tiny-pool labs', () => {
    expect(LABS).toEqual(
      expect.arrayContaining(['seed-lab.yaml', 'rr-lab.yaml', 'two-rack.yaml', 'cross-subnet.yaml', 'tiny-pool.yaml']),
    );
  });

  for (const labFile of LABS) {
    it(`${labFile}: ipam show --show-blocks adds up`, async () => {
      const file = repoPath('topologies', labFile);
      const result = await cli.run('-t', file, 'ipam', 'show', '--show-blocks');
      expect(result.code).toBe(0);
      const rows = parseIpamTable(result.stdout);
      const pools = rows.filter((r) => r.grouping === 'IP Pool');
      const blocks = rows.filter((r) => r.grouping === 'Block');
      expect(pools.length).toBeGreaterThan(0);
      for (const row of rows) {
        expect(row.total).toBe(2 ** (32 - Number(row.cidr.split('/')[1])));
        expect(row.inUse + row.free).toBe(row.total);
        expect(Math.abs(row.inUsePercent - (row.inUse * 100) / row.total)).toBeLessThanOrEqual(0.5);
      }
      expect(blocks.reduce((sum, b) => sum + b.inUse, 0)).toBe(pools.reduce((sum, p) => sum + p.inUse, 0));
      const pods = (await cli.run('-t', file, 'get', 'pods', '-A', '-o', 'name')).stdout
        .trim()
        .split('\n')
        .filter(Boolean);
      const withIp = (await cli.run('-t', file, 'get', 'pods', '-A', '-o', 'json')).stdout;
      const podIps = (JSON.parse(withIp) as { items: { status: { podIP?: string } }[] }).items.filter(
        (p) => p.status.podIP,
      ).length;
      expect(podIps).toBe(pods.length);
      const tunnels = buildCluster(lab(labFile))
        .nodes()
        .reduce((n, r) => n + (r.ipipTunnel ? 1 : 0) + (r.vxlanTunnel ? 1 : 0), 0);
      expect(pools.reduce((sum, p) => sum + p.inUse, 0)).toBe(podIps + tunnels);
    });
  }

  it("the seed lab: one /26 per node, each tunl0 at its block's base, date-pod at .1 of node-1's block", async () => {
    const file = repoPath('topologies/seed-lab.yaml');
    const blocks = parseIpamTable((await cli.run('-t', file, 'ipam', 'show', '--show-blocks')).stdout).filter(
      (r) => r.grouping === 'Block',
    );
    expect(blocks.map((b) => [b.total, b.inUse])).toEqual([
      [64, 2],
      [64, 1],
      [64, 1],
    ]);
    const ip = JSON.parse((await cli.run('-t', file, 'get', 'pod', 'date-pod', '-o', 'json')).stdout).status
      .podIP as string;
    const shown = (await cli.run('-t', file, 'ipam', 'show', '--ip', ip)).stdout;
    const block = /Block: (\S+)\/26 \(affine to node-1\)/.exec(shown)?.[1] as string;
    expect(ip).toBe(block.replace(/\d+$/, (last) => String(Number(last) + 1)));
    const tunnel = (await cli.run('-t', file, 'ipam', 'show', '--ip', block)).stdout;
    expect(tunnel).toContain(`IP ${block} is in use`);
    expect(tunnel).toContain('type: ipipTunnelAddress');
  });

  it("the tiny-pool lab: the third worker borrows from another node's block", async () => {
    const result = await cli.run('-t', repoPath('topologies/tiny-pool.yaml'), 'ipam', 'show', '--show-borrowed');
    expect(result.stdout.split('\n').slice(0, 3).join('\n')).toBe(
      [
        '+------------+----------------+---------------+-------------+------+---------------+',
        '|     IP     | BORROWING-NODE |     BLOCK     | BLOCK OWNER | TYPE | ALLOCATED-TO  |',
        '+------------+----------------+---------------+-------------+------+---------------+',
      ].join('\n'),
    );
    expect(result.stdout).toMatch(
      /^\| 10\.244\.0\.\d+ +\| worker-3 +\| 10\.244\.0\.(0|16)\/28 +\| worker-[12] +\| pod +\| default\/app-\d +\|$/m,
    );
    const why = await cli.run('-t', repoPath('topologies/tiny-pool.yaml'), 'ipam', 'show', '--ip', '10.244.0.1');
    expect(why.stdout).toMatch(
      /Why: borrowed from worker-2's block 10\.244\.0\.0\/28: no unclaimed block is left in the pool and strictAffinity is false/,
    );
  });
});
