/** `podnet ipam show`, as calicoctl prints it. */
import type { Cluster } from '../../core/cluster/index.js';
import type { Allocation } from '../../core/ipam/index.js';
import { cidrSize, formatCidr, formatIpv4, type Ipv4, parseIpv4 } from '../../core/net/index.js';
import { ipamShow, ipamShowBorrowed, ipamShowConfiguration, ipamShowIp } from '../../io/format/calicoctl.js';
import { type GlobalOptions, viewCluster } from '../context.js';
import { CommandFailure } from '../errors.js';
import type { CliIo } from '../io.js';
import { printObject } from './pods.js';

export interface IpamShowFlags {
  readonly showBlocks?: boolean;
  readonly showBorrowed?: boolean;
  readonly showConfiguration?: boolean;
  readonly ip?: string;
  readonly output?: 'json';
}

export function ipamShowCommand(io: CliIo, options: GlobalOptions, flags: IpamShowFlags): number {
  const { cluster } = viewCluster(options, io);
  const ip = flags.ip === undefined ? undefined : parseIpv4(flags.ip);
  if (ip === null) throw new CommandFailure(`error: --ip "${flags.ip}" is not an IPv4 address`, 1);
  if (flags.output === 'json') {
    printObject(io, ipamData(cluster, flags, ip), 'json');
    return 0;
  }
  if (ip !== undefined) {
    io.stdout(`${ipamShowIp(cluster, ip)}\n`);
    return 0;
  }
  if (flags.showConfiguration) {
    io.stdout(`${ipamShowConfiguration(cluster)}\n`);
    return 0;
  }
  io.stdout(`${flags.showBorrowed ? ipamShowBorrowed(cluster) : ipamShow(cluster, flags.showBlocks ?? false)}\n`);
  return 0;
}

/** What `ipam show` prints, as data: one address, the configuration, borrowed addresses, or usage per pool and block. */
function ipamData(cluster: Cluster, flags: IpamShowFlags, ip: Ipv4 | undefined): object {
  const allocation = (a: Allocation) => ({
    ip: formatIpv4(a.ip),
    node: a.node,
    kind: a.kind,
    owner: a.owner,
    block: formatCidr(a.block),
    blockOwner: a.blockOwner,
    why: a.why,
  });
  if (ip !== undefined) {
    const found = cluster.ipam.lookup(ip);
    return { ip: formatIpv4(ip), inUse: found !== undefined, ...(found ? { allocation: allocation(found) } : {}) };
  }
  if (flags.showConfiguration) return cluster.topology.ipam;
  if (flags.showBorrowed) return { borrowed: cluster.ipam.borrowed().map(allocation) };
  return {
    pools: cluster.topology.pools.map((pool) => {
      const blocks = cluster.ipam.poolBlocks(pool);
      return {
        cidr: formatCidr(pool.cidr),
        size: cidrSize(pool.cidr),
        inUse: blocks.reduce((sum, block) => sum + block.inUse, 0),
        blocks: blocks.map((b) => ({ cidr: formatCidr(b.cidr), size: b.size, inUse: b.inUse, affinity: b.affinity })),
      };
    }),
  };
}
