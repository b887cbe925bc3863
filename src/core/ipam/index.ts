/**
 * ipam: Calico's IP address management, block by block.
 *
 * Models libcalico-go's AutoAssign: a node allocates from its own affine blocks first (in claim
 * order); when they are full it claims a new block, scanning the pool's blocks from a start
 * index seeded by FNV-32 of its hostname and wrapping around; past `maxBlocksPerHost`, or with no
 * unclaimed block left, it borrows one address from any block with room (unless strictAffinity).
 * Inside a block ordinals are handed out lowest first and released ordinals go to the back of a
 * FIFO. Invariants: an address has at most one allocation; a block has exactly one affine node;
 * every decision carries a `why`. Leaves out: Go's math/rand stream (podnet seeds its own
 * generator from the same FNV-32 hash, so the start block differs from a real cluster's while
 * the scan is the same), reclaiming empty blocks of other nodes, and block-affinity release by
 * kube-controllers' garbage collector.
 */
import { type Cidr, cidrContains, formatCidr, formatIpv4, type Ipv4 } from '../net/index.js';
import { type Labels, matches } from '../selector/index.js';
import { Rng } from '../sim/rng.js';
import type { Pool } from '../topology/model.js';

export type AllocationKind = 'pod' | 'ipip-tunnel' | 'vxlan-tunnel';

export interface Allocation {
  readonly ip: Ipv4;
  readonly node: string;
  readonly kind: AllocationKind;
  /** `namespace/name` for a pod. */
  readonly owner: string;
  readonly block: Cidr;
  readonly blockOwner: string;
  readonly why: string;
}

export type IpamError =
  | { readonly kind: 'no-pool'; readonly message: string }
  | { readonly kind: 'block-limit'; readonly message: string }
  | { readonly kind: 'strict-affinity'; readonly message: string }
  | { readonly kind: 'pools-exhausted'; readonly message: string };

export type AssignResult =
  | { readonly ok: true; readonly allocation: Allocation }
  | { readonly ok: false; readonly error: IpamError };

export interface IpamConfig {
  readonly strictAffinity: boolean;
  readonly maxBlocksPerHost: number;
  readonly autoAllocateBlocks: boolean;
}

/** One block: ownership per ordinal in a typed array and a FIFO ring of free ordinals. */
export class Block {
  readonly size: number;
  /** Allocation index per ordinal, -1 when free. */
  private readonly slots: Int32Array;
  private readonly ring: Uint32Array;
  private head = 0;
  private freeCount: number;

  constructor(
    readonly cidr: Cidr,
    readonly pool: Pool,
    readonly affinity: string,
  ) {
    this.size = 2 ** (32 - cidr.len);
    this.slots = new Int32Array(this.size).fill(-1);
    this.ring = new Uint32Array(this.size);
    for (let i = 0; i < this.size; i++) this.ring[i] = i;
    this.freeCount = this.size;
  }

  get inUse(): number {
    return this.size - this.freeCount;
  }

  get hasFree(): boolean {
    return this.freeCount > 0;
  }

  /** Takes the ordinal at the front of the free FIFO; the caller checked hasFree. */
  take(allocationIndex: number): Ipv4 {
    const ordinal = this.ring[this.head] as number;
    this.head = (this.head + 1) % this.size;
    this.freeCount--;
    this.slots[ordinal] = allocationIndex;
    return this.cidr.base + ordinal;
  }

  release(ip: Ipv4): void {
    const ordinal = ip - this.cidr.base;
    this.slots[ordinal] = -1;
    this.ring[(this.head + this.freeCount) % this.size] = ordinal;
    this.freeCount++;
  }

  allocationAt(ip: Ipv4): number {
    return this.slots[ip - this.cidr.base] ?? -1;
  }
}

/** FNV-1 32-bit, as Go's hash/fnv New32 (Calico's determineSeed). */
export function fnv32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash = Math.imul(hash, 0x01000193) >>> 0;
    hash = (hash ^ text.charCodeAt(i)) >>> 0;
  }
  return hash;
}

/** The first block index a host tries in a pool: uniform in [0, blocks), seeded by its hostname. */
export function blockStartIndex(hostname: string, blocks: number): number {
  return Math.floor(new Rng(fnv32(hostname)).next() * blocks);
}

function blocksInPool(pool: Pool): number {
  return 2 ** (pool.blockSize - pool.cidr.len);
}

function blockCidr(pool: Pool, index: number): Cidr {
  return { base: pool.cidr.base + index * 2 ** (32 - pool.blockSize), len: pool.blockSize };
}

export class Ipam {
  private readonly blocks = new Map<number, Block>();
  private readonly affine = new Map<string, Block[]>();
  private readonly allocations: (Allocation | undefined)[] = [];
  private readonly byIp = new Map<Ipv4, number>();
  /** Per node, the addresses it uses from other nodes' blocks. */
  private readonly borrowedIndex = new Map<string, Set<Ipv4>>();

  constructor(
    readonly pools: readonly Pool[],
    readonly config: IpamConfig,
  ) {}

  /** The pools a node may allocate from, in topology order (Calico's candidate pools). */
  candidatePools(nodeLabels: Labels, filter: (pool: Pool) => boolean = () => true): Pool[] {
    return this.pools.filter((pool) => !pool.disabled && matches(pool.nodeSelector, nodeLabels) && filter(pool));
  }

  assign(
    node: string,
    nodeLabels: Labels,
    kind: AllocationKind,
    owner: string,
    filter?: (pool: Pool) => boolean,
  ): AssignResult {
    const pools = this.candidatePools(nodeLabels, filter);
    if (pools.length === 0) {
      return { ok: false, error: { kind: 'no-pool', message: `no configured Calico pools for node ${node}` } };
    }
    const own = this.affine.get(node) ?? [];
    const ownBlock = own.find((block) => block.hasFree && pools.includes(block.pool));
    if (ownBlock) {
      return this.allocate(
        ownBlock,
        node,
        kind,
        owner,
        `from ${node}'s affine block ${formatCidr(ownBlock.cidr)} (lowest free address first)`,
      );
    }
    const limit = this.config.maxBlocksPerHost;
    if (this.config.autoAllocateBlocks && own.length < limit) {
      const claimed = this.claimBlock(node, pools);
      if (claimed) return this.allocate(claimed.block, node, kind, owner, claimed.why);
    }
    if (this.config.strictAffinity) {
      const message =
        own.length >= limit
          ? `Need to allocate an IPAM block but could not - limit of ${limit} blocks reached for this node`
          : 'No more free affine blocks and strict affinity enabled';
      return { ok: false, error: { kind: own.length >= limit ? 'block-limit' : 'strict-affinity', message } };
    }
    const borrowed = this.findBorrowable(node, pools);
    if (borrowed) {
      const reason =
        own.length >= limit ? `${node} reached its limit of ${limit} blocks` : 'no unclaimed block is left in the pool';
      return this.allocate(
        borrowed,
        node,
        kind,
        owner,
        `borrowed from ${borrowed.affinity}'s block ${formatCidr(borrowed.cidr)}: ${reason} and strictAffinity is false`,
      );
    }
    const cidrs = pools.map((pool) => formatCidr(pool.cidr)).join(' ');
    return { ok: false, error: { kind: 'pools-exhausted', message: `No IPs available in pools: [${cidrs}]` } };
  }

  private claimBlock(node: string, pools: readonly Pool[]): { block: Block; why: string } | undefined {
    for (const pool of pools) {
      const count = blocksInPool(pool);
      const start = blockStartIndex(node, count);
      for (let step = 0; step < count; step++) {
        const index = (start + step) % count;
        const cidr = blockCidr(pool, index);
        if (this.blocks.has(cidr.base)) continue;
        const block = new Block(cidr, pool, node);
        this.blocks.set(cidr.base, block);
        const own = this.affine.get(node) ?? [];
        own.push(block);
        this.affine.set(node, own);
        const skipped = step === 0 ? '' : `, skipping ${step} claimed block${step === 1 ? '' : 's'}`;
        const why = `claimed block ${formatCidr(cidr)} for ${node} (its scan of ${pool.name} starts at block ${start} of ${count}, seeded by FNV-32("${node}")${skipped})`;
        return { block, why };
      }
    }
    return undefined;
  }

  private findBorrowable(node: string, pools: readonly Pool[]): Block | undefined {
    for (const pool of pools) {
      const count = blocksInPool(pool);
      const start = blockStartIndex(node, count);
      for (let step = 0; step < count; step++) {
        const block = this.blocks.get(blockCidr(pool, (start + step) % count).base);
        if (block?.hasFree) return block;
      }
    }
    return undefined;
  }

  private allocate(block: Block, node: string, kind: AllocationKind, owner: string, why: string): AssignResult {
    const index = this.allocations.length;
    const ip = block.take(index);
    const allocation: Allocation = { ip, node, kind, owner, block: block.cidr, blockOwner: block.affinity, why };
    this.allocations.push(allocation);
    this.byIp.set(ip, index);
    if (block.affinity !== node) {
      const set = this.borrowedIndex.get(node) ?? new Set<Ipv4>();
      set.add(ip);
      this.borrowedIndex.set(node, set);
    }
    return { ok: true, allocation };
  }

  release(ip: Ipv4): boolean {
    const index = this.byIp.get(ip);
    if (index === undefined) return false;
    this.byIp.delete(ip);
    const allocation = this.allocations[index];
    if (allocation !== undefined) this.borrowedIndex.get(allocation.node)?.delete(ip);
    this.allocations[index] = undefined;
    this.blockContaining(ip)?.release(ip);
    return true;
  }

  blockContaining(ip: Ipv4): Block | undefined {
    for (const pool of this.pools) {
      if (!cidrContains(pool.cidr, ip)) continue;
      const offset = Math.floor((ip - pool.cidr.base) / 2 ** (32 - pool.blockSize));
      return this.blocks.get(blockCidr(pool, offset).base);
    }
    return undefined;
  }

  lookup(ip: Ipv4): Allocation | undefined {
    const index = this.byIp.get(ip);
    return index === undefined ? undefined : this.allocations[index];
  }

  blocksOf(node: string): readonly Block[] {
    return this.affine.get(node) ?? [];
  }

  /** All blocks of a pool, ordered by address. */
  poolBlocks(pool: Pool): Block[] {
    return [...this.blocks.values()].filter((block) => block.pool === pool).sort((a, b) => a.cidr.base - b.cidr.base);
  }

  /** Live allocations ordered by address. */
  liveAllocations(): Allocation[] {
    return this.allocations.filter((a): a is Allocation => a !== undefined).sort((a, b) => a.ip - b.ip);
  }

  /** Addresses used from blocks affine to another node, ordered by address. */
  borrowed(): Allocation[] {
    return [...this.borrowedIndex.keys()].flatMap((node) => this.borrowedBy(node)).sort((a, b) => a.ip - b.ip);
  }

  /** The addresses one node uses from other nodes' blocks. */
  borrowedBy(node: string): Allocation[] {
    return [...(this.borrowedIndex.get(node) ?? [])]
      .map((ip) => this.lookup(ip))
      .filter((a): a is Allocation => a !== undefined);
  }

  describe(ip: Ipv4): string {
    const allocation = this.lookup(ip);
    return allocation === undefined ? `${formatIpv4(ip)} is not assigned` : `${formatIpv4(ip)}: ${allocation.why}`;
  }
}
