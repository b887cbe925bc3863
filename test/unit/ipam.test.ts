/** Calico IPAM, decision by decision (../shared/reference/calico.md §1.4). */
import { describe, expect, it } from 'vitest';
import { blockStartIndex, fnv32, Ipam } from '../../src/core/ipam/index.js';
import { formatCidr, formatIpv4 } from '../../src/core/net/index.js';
import type { ClusterNode } from '../../src/core/topology/model.js';
import { topology, workers } from '../helpers/topology.js';

function ipamFor(doc: Record<string, unknown>): { ipam: Ipam; node: (name: string) => ClusterNode } {
  const t = topology(doc);
  return { ipam: new Ipam(t.pools, t.ipam), node: (name) => t.nodes.find((n) => n.name === name) as ClusterNode };
}

function assignMany(ipam: Ipam, node: ClusterNode, count: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const result = ipam.assign(node.name, node.labels, 'pod', `default/p${i}`);
    if (!result.ok) throw new Error(result.error.message);
    return formatIpv4(result.allocation.ip);
  });
}

describe('block choice', () => {
  it("hashes hostnames with FNV-1 32-bit as Go's hash/fnv New32 does", () => {
    expect(fnv32('')).toBe(0x811c9dc5);
    expect(fnv32('a')).toBe(0x050c5d7e);
    expect(fnv32('foobar')).toBe(0x31f0b262);
  });

  it('starts each host at a hostname-seeded block, the same every time', () => {
    expect(blockStartIndex('node-1', 1024)).toBe(blockStartIndex('node-1', 1024));
    expect(blockStartIndex('node-1', 1024)).not.toBe(blockStartIndex('node-2', 1024));
    const starts = Array.from({ length: 200 }, (_, i) => blockStartIndex(`host-${i}`, 1024));
    expect(Math.min(...starts)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...starts)).toBeLessThan(1024);
    expect(new Set(starts).size).toBeGreaterThan(150);
  });

  it('hands out the block base first, then upwards (ordinal 0 is a valid pod address)', () => {
    const { ipam, node } = ipamFor({ nodes: workers(1), pools: [{ name: 'p', cidr: '10.244.0.0/24', blockSize: 26 }] });
    const ips = assignMany(ipam, node('node-1'), 3);
    const block = ipam.blocksOf('node-1')[0];
    expect(block).toBeDefined();
    const base = formatIpv4(block!.cidr.base);
    expect(ips[0]).toBe(base);
    expect(ips.map((ip) => Number(ip.split('.')[3]) - Number(base.split('.')[3]))).toEqual([0, 1, 2]);
  });

  it('claims a second block only when the first is full (64 addresses in a /26)', () => {
    const { ipam, node } = ipamFor({ nodes: workers(1), pools: [{ name: 'p', cidr: '10.244.0.0/16' }] });
    assignMany(ipam, node('node-1'), 64);
    expect(ipam.blocksOf('node-1')).toHaveLength(1);
    expect(ipam.blocksOf('node-1')[0]!.inUse).toBe(64);
    assignMany(ipam, node('node-1'), 1);
    expect(ipam.blocksOf('node-1')).toHaveLength(2);
  });

  it('scans forward from the start block, wrapping round, skipping claimed blocks', () => {
    const { ipam, node } = ipamFor({ nodes: workers(1), pools: [{ name: 'p', cidr: '10.244.0.0/24', blockSize: 26 }] });
    assignMany(ipam, node('node-1'), 256);
    const start = blockStartIndex('node-1', 4);
    const expected = [0, 1, 2, 3].map((step) => `10.244.0.${((start + step) % 4) * 64}/26`);
    expect(ipam.blocksOf('node-1').map((b) => formatCidr(b.cidr))).toEqual(expected);
  });

  it('explains each choice', () => {
    const { ipam, node } = ipamFor({ nodes: workers(1), pools: [{ name: 'p', cidr: '10.244.0.0/16' }] });
    const [first] = assignMany(ipam, node('node-1'), 2);
    expect(ipam.describe(Number(first!.split('.').reduce((a, o) => a * 256 + Number(o), 0)))).toMatch(
      /claimed block 10\.244\.\d+\.\d+\/26 for node-1 \(its scan of p starts at block \d+ of 1024, seeded by FNV-32\("node-1"\)\)/,
    );
  });
});

describe('release', () => {
  it('puts a released address at the back of the FIFO: reused only after the untouched ones', () => {
    const { ipam, node } = ipamFor({ nodes: workers(1), pools: [{ name: 'p', cidr: '10.244.0.0/28', blockSize: 30 }] });
    const n = node('node-1');
    const ips = assignMany(ipam, n, 3);
    ipam.release(ipam.liveAllocations().find((a) => formatIpv4(a.ip) === ips[0])!.ip);
    const next = assignMany(ipam, n, 2);
    expect(next[0]).toBe(ips[2]!.replace(/\d+$/, (last) => String(Number(last) + 1)));
    expect(next[1]).toBe(ips[0]);
  });
});

describe('limits, borrowing and exhaustion', () => {
  const tiny = { cidr: '10.244.0.0/27', blockSize: 28 };

  it("borrows from another node's block when no block is left and strictAffinity is off", () => {
    const { ipam, node } = ipamFor({ nodes: workers(3), pools: [{ name: 'tiny', ...tiny }] });
    assignMany(ipam, node('node-1'), 1);
    assignMany(ipam, node('node-2'), 1);
    const result = ipam.assign('node-3', node('node-3').labels, 'pod', 'default/late');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(ipam.blocksOf('node-3')).toHaveLength(0);
    expect(result.allocation.blockOwner).not.toBe('node-3');
    expect(result.allocation.why).toMatch(
      /^borrowed from node-[12]'s block 10\.244\.0\.(0|16)\/28: no unclaimed block is left in the pool and strictAffinity is false$/,
    );
    expect(ipam.borrowed().map((a) => a.owner)).toEqual(['default/late']);
  });

  it("with strictAffinity, refuses with Calico's message instead of borrowing", () => {
    const { ipam, node } = ipamFor({
      nodes: workers(3),
      pools: [{ name: 'tiny', ...tiny }],
      cluster: { ipam: { strictAffinity: true } },
    });
    assignMany(ipam, node('node-1'), 1);
    assignMany(ipam, node('node-2'), 1);
    const result = ipam.assign('node-3', node('node-3').labels, 'pod', 'default/late');
    expect(result).toEqual({
      ok: false,
      error: { kind: 'strict-affinity', message: 'No more free affine blocks and strict affinity enabled' },
    });
  });

  it("stops claiming at maxBlocksPerHost with Calico's message", () => {
    const { ipam, node } = ipamFor({
      nodes: workers(1),
      pools: [{ name: 'p', cidr: '10.244.0.0/24', blockSize: 28 }],
      cluster: { ipam: { strictAffinity: true, maxBlocksPerHost: 2 } },
    });
    assignMany(ipam, node('node-1'), 32);
    const result = ipam.assign('node-1', node('node-1').labels, 'pod', 'default/one-too-many');
    expect(result).toEqual({
      ok: false,
      error: {
        kind: 'block-limit',
        message: 'Need to allocate an IPAM block but could not - limit of 2 blocks reached for this node',
      },
    });
  });

  it('reports an exhausted pool as Calico does', () => {
    const { ipam, node } = ipamFor({ nodes: workers(2), pools: [{ name: 'tiny', ...tiny }] });
    assignMany(ipam, node('node-1'), 20);
    assignMany(ipam, node('node-2'), 12);
    const result = ipam.assign('node-2', node('node-2').labels, 'pod', 'default/none-left');
    expect(result).toEqual({
      ok: false,
      error: { kind: 'pools-exhausted', message: 'No IPs available in pools: [10.244.0.0/27]' },
    });
  });

  it("respects a pool's nodeSelector and skips disabled pools", () => {
    const { ipam, node } = ipamFor({
      nodes: [
        { name: 'node-1', address: '10.0.1.11/24', labels: { rack: 'r1' } },
        { name: 'node-2', address: '10.0.1.12/24', labels: { rack: 'r2' } },
      ],
      pools: [
        { name: 'old', cidr: '10.10.0.0/16', disabled: true },
        { name: 'rack-1', cidr: '10.1.0.0/16', nodeSelector: "rack == 'r1'" },
        { name: 'rack-2', cidr: '10.2.0.0/16', nodeSelector: "rack == 'r2'" },
      ],
    });
    expect(assignMany(ipam, node('node-1'), 1)[0]).toMatch(/^10\.1\./);
    expect(assignMany(ipam, node('node-2'), 1)[0]).toMatch(/^10\.2\./);
  });
});
