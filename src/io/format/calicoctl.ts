/** calicoctl's `ipam show` family, from the cluster's IPAM state. */
import type { Cluster } from '../../core/cluster/index.js';
import { cidrSize, formatCidr, formatIpv4, type Ipv4 } from '../../core/net/index.js';
import { boxTable, goG5, goPercent } from './box-table.js';

const NUMERIC = new Set([2]);

function usageRow(grouping: string, cidr: string, total: number, inUse: number): string[] {
  return [
    grouping,
    cidr,
    goG5(total),
    `${goG5(inUse)} (${goPercent(inUse, total)})`,
    `${goG5(total - inUse)} (${goPercent(total - inUse, total)})`,
  ];
}

export function ipamShow(cluster: Cluster, showBlocks: boolean): string {
  const rows: string[][] = [];
  for (const pool of cluster.topology.pools) {
    const blocks = cluster.ipam.poolBlocks(pool);
    const inUse = blocks.reduce((sum, block) => sum + block.inUse, 0);
    rows.push(usageRow('IP Pool', formatCidr(pool.cidr), cidrSize(pool.cidr), inUse));
    if (showBlocks)
      for (const block of blocks) rows.push(usageRow('Block', formatCidr(block.cidr), block.size, block.inUse));
  }
  return boxTable(['grouping', 'cidr', 'ips total', 'ips in use', 'ips free'], rows, NUMERIC);
}

export function ipamShowBorrowed(cluster: Cluster): string {
  const rows = cluster.ipam
    .borrowed()
    .map((a) => [
      formatIpv4(a.ip),
      a.node,
      formatCidr(a.block),
      a.blockOwner,
      a.kind === 'pod' ? 'pod' : 'tunnel',
      a.kind === 'pod' ? a.owner : a.kind,
    ]);
  return boxTable(['ip', 'borrowing-node', 'block', 'block owner', 'type', 'allocated-to'], rows);
}

export function ipamShowIp(cluster: Cluster, ip: Ipv4): string {
  const allocation = cluster.ipam.lookup(ip);
  if (allocation === undefined) {
    const block = cluster.ipam.blockContaining(ip);
    const where = block ? ` (inside ${block.affinity}'s block ${formatCidr(block.cidr)})` : '';
    return `${formatIpv4(ip)} is not assigned${where}`;
  }
  const attributes =
    allocation.kind === 'pod'
      ? (() => {
          const [namespace, pod] = allocation.owner.split('/');
          return [`  namespace: ${namespace}`, `  node: ${allocation.node}`, `  pod: ${pod}`];
        })()
      : [
          `  node: ${allocation.node}`,
          `  type: ${allocation.kind === 'ipip-tunnel' ? 'ipipTunnelAddress' : 'vxlanTunnelAddress'}`,
        ];
  const handle =
    allocation.kind === 'pod'
      ? `k8s-pod-network.${cluster.pod(...(allocation.owner.split('/') as [string, string]))?.sandboxId ?? ''}`
      : `${allocation.kind}-addr-${allocation.node}`;
  return [
    `IP ${formatIpv4(ip)} is in use`,
    `Handle ID: ${handle}`,
    'Attributes:',
    ...attributes,
    `Block: ${formatCidr(allocation.block)} (affine to ${allocation.blockOwner})`,
    `Why: ${allocation.why}`,
  ].join('\n');
}

export function ipamShowConfiguration(cluster: Cluster): string {
  const { ipam } = cluster.topology;
  return boxTable(
    ['property', 'value'],
    [
      ['StrictAffinity', String(ipam.strictAffinity)],
      ['AutoAllocateBlocks', String(ipam.autoAllocateBlocks)],
      ['MaxBlocksPerHost', String(ipam.maxBlocksPerHost)],
    ],
  );
}
