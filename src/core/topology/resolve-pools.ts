/** IP pools as Calico resolves them: CIDRs, block sizes, encapsulation, node selectors, overlaps. */
import type * as z from 'zod';
import { cidrsOverlap, formatCidr, LINK_LOCAL, parseCidr } from '../net/index.js';
import type { IssueSink, Located } from './issue-sink.js';
import type { Origin, Pool } from './model.js';
import * as s from './schema.js';

export type PoolWritten = z.output<typeof s.ipPoolSpec> & { name: string };

/** The pool a cluster gets when its topology names none: Calico's manifest default. */
export const DEFAULT_POOL: z.input<typeof s.ipPoolEntry> = {
  name: 'default-ipv4-ippool',
  cidr: '192.168.0.0/16',
  ipipMode: 'Always',
  natOutgoing: true,
};

export function resolvePools(sink: IssueSink, given: readonly Located<PoolWritten>[], source: number): Pool[] {
  const written =
    given.length > 0 ? given : [{ value: s.ipPoolEntry.parse(DEFAULT_POOL), origin: { source, path: [] } }];
  const pools: Pool[] = [];
  const names = new Set<string>();
  for (const { value, origin } of written) {
    const field = (key: string): Origin => ({ ...origin, path: [...origin.path, key] });
    if (names.has(value.name)) sink.report(field('name'), 'duplicate', `duplicate pool name "${value.name}"`);
    names.add(value.name);
    const cidr = parseCidr(value.cidr);
    if (!cidr.ok) {
      sink.report(field('cidr'), 'invalid-cidr', cidr.reason);
      continue;
    }
    if (value.blockSize < 20 || value.blockSize > 32) {
      sink.report(
        field('blockSize'),
        'out-of-range',
        `block size ${value.blockSize} is out of range: IPv4 blocks are /20 to /32`,
      );
    } else if (value.blockSize < cidr.value.len && !value.disabled) {
      sink.report(
        field('blockSize'),
        'conflict',
        `block size /${value.blockSize} is larger than the pool ${value.cidr}`,
      );
    }
    if (cidrsOverlap(cidr.value, LINK_LOCAL))
      sink.report(field('cidr'), 'overlap', `pool ${value.cidr} overlaps the link-local range 169.254.0.0/16`);
    if (value.ipipMode !== 'Never' && value.vxlanMode !== 'Never') {
      sink.report(field('vxlanMode'), 'conflict', 'IPIP and VXLAN cannot both be enabled on one pool');
    }
    const other = pools.find((pool) => cidrsOverlap(pool.cidr, cidr.value));
    if (other)
      sink.report(
        field('cidr'),
        'overlap',
        `pool ${value.cidr} overlaps pool "${other.name}" (${formatCidr(other.cidr)})`,
      );
    const nodeSelector = sink.selector(value.nodeSelector, field('nodeSelector'));
    pools.push({
      name: value.name,
      cidr: cidr.value,
      blockSize: value.blockSize,
      ipipMode: value.ipipMode,
      vxlanMode: value.vxlanMode,
      natOutgoing: value.natOutgoing,
      nodeSelector: nodeSelector ?? { op: 'all' },
      nodeSelectorText: value.nodeSelector,
      disabled: value.disabled,
      disableBGPExport: value.disableBGPExport,
      origin,
    });
  }
  return pools;
}
