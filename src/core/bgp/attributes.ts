/**
 * Prefixes and path attributes, interned: a prefix is an integer id, an attribute set is an
 * integer id shared by every route that carries the same attributes. Routes in the RIBs are then
 * pairs of integers, however many speakers hold them.
 */
import { type Cidr, formatCidr, type Ipv4 } from '../net/index.js';

/**
 * Prefixes numbered in the order first seen. Each length has its own map, keyed by the base as a
 * signed 32-bit integer: V8 keeps such keys as small integers, where `base * 64 + len` (or a base
 * above 2^31, like 192.168.0.0) would be a heap number hashed and allocated on every lookup.
 */
export class PrefixTable {
  private readonly values: Cidr[] = [];
  /** Per length 0..32: the ids of that length's prefixes by signed base; absent when there are none. */
  private readonly byLength: (Map<number, number> | undefined)[] = Array.from({ length: 33 }, () => undefined);

  get cidrs(): readonly Cidr[] {
    return this.values;
  }

  intern(cidr: Cidr): number {
    let ids = this.byLength[cidr.len];
    if (ids === undefined) {
      ids = new Map();
      this.byLength[cidr.len] = ids;
    }
    let id = ids.get(cidr.base | 0);
    if (id === undefined) {
      id = this.values.length;
      ids.set(cidr.base | 0, id);
      this.values.push(cidr);
    }
    return id;
  }

  find(cidr: Cidr): number | undefined {
    return this.findPrefix(cidr.base, cidr.len);
  }

  /** Whether some prefix of that length is interned (longest-prefix lookups skip the rest). */
  hasLength(len: number): boolean {
    return this.byLength[len] !== undefined;
  }

  /** The id of base/len, if interned; allocation-free for longest-prefix lookups. `base` may be signed. */
  findPrefix(base: number, len: number): number | undefined {
    return this.byLength[len]?.get(base | 0);
  }

  cidr(id: number): Cidr {
    return this.values[id] as Cidr;
  }

  text(id: number): string {
    return formatCidr(this.cidr(id));
  }
}

export const ORIGIN_IGP = 0;
export const ORIGIN_EGP = 1;
export const ORIGIN_INCOMPLETE = 2;
export const ORIGIN_NAMES = ['i', 'e', '?'] as const;
/** ORIGIN as BIRD's `show route all` spells it. */
export const ORIGIN_WORDS = ['IGP', 'EGP', 'Incomplete'] as const;

/** BGP path attributes. Missing LOCAL_PREF and MED take their defaults in best-path.ts. */
export interface PathAttributes {
  readonly nextHop: Ipv4;
  readonly asPath: readonly number[];
  readonly origin: number;
  readonly localPref?: number;
  readonly med?: number;
  readonly originatorId?: Ipv4;
  readonly clusterList: readonly Ipv4[];
}

/**
 * Attribute sets by id. The key is a 32-bit hash of the fields, with a bucket per hash compared
 * field by field: no string is built on the hot path, where every export interns a set.
 */
export class AttributeTable {
  private readonly values: PathAttributes[] = [];
  /** Each set's ORIGINATOR_ID (-1: none), read without touching the object: the receipt hot path. */
  private readonly originators: number[] = [];
  private readonly buckets = new Map<number, number | number[]>();

  intern(attrs: PathAttributes): number {
    const hash = hashAttributes(attrs);
    const bucket = this.buckets.get(hash);
    if (bucket !== undefined) {
      if (typeof bucket === 'number') {
        if (sameAttributes(this.values[bucket] as PathAttributes, attrs)) return bucket;
      } else {
        for (const id of bucket) if (sameAttributes(this.values[id] as PathAttributes, attrs)) return id;
      }
    }
    const id = this.values.length;
    this.values.push(attrs);
    this.originators.push(attrs.originatorId ?? -1);
    if (bucket === undefined) this.buckets.set(hash, id);
    else if (typeof bucket === 'number') this.buckets.set(hash, [bucket, id]);
    else bucket.push(id);
    return id;
  }

  get(id: number): PathAttributes {
    return this.values[id] as PathAttributes;
  }

  /** A set's ORIGINATOR_ID, or -1. */
  originatorOf(id: number): number {
    return this.originators[id] as number;
  }

  get size(): number {
    return this.values.length;
  }
}

function mix(hash: number, value: number): number {
  return Math.imul(hash ^ value, 0x01000193) >>> 0;
}

const FNV_OFFSET = 0x811c9dc5;

/** FNV-1a over `length` 32-bit values of `values` from `from`: the interning tables' hash. */
export function hashInts(values: ArrayLike<number>, from: number, length: number): number {
  let h = FNV_OFFSET;
  for (let i = from; i < from + length; i++) h = mix(h, values[i] as number);
  return h;
}

function hashAttributes(a: PathAttributes): number {
  let h = mix(mix(mix(FNV_OFFSET, a.nextHop), a.origin), a.localPref ?? -1);
  h = mix(mix(h, a.med ?? -1), a.originatorId ?? -1);
  for (const as of a.asPath) h = mix(h, as);
  h = mix(h, -2);
  for (const id of a.clusterList) h = mix(h, id);
  return h;
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameAttributes(a: PathAttributes, b: PathAttributes): boolean {
  return (
    a.nextHop === b.nextHop &&
    a.origin === b.origin &&
    a.localPref === b.localPref &&
    a.med === b.med &&
    a.originatorId === b.originatorId &&
    sameNumbers(a.asPath, b.asPath) &&
    sameNumbers(a.clusterList, b.clusterList)
  );
}

/**
 * The attribute sets of locally originated routes, one per (next hop, AS prepended on eBGP):
 * the same for every neighbour that shares both, so exports reuse one interned set. Keyed by the
 * two numbers in nested maps: no arithmetic on them, so no two keys can collide.
 */
export class OriginatedAttributes {
  private readonly byNextHop = new Map<number, Map<number, number>>();

  constructor(private readonly table: AttributeTable) {}

  /** The set's id; `prependAs` undefined for iBGP (an empty AS path). */
  get(nextHop: number, prependAs: number | undefined): number {
    let byAs = this.byNextHop.get(nextHop);
    if (byAs === undefined) {
      byAs = new Map();
      this.byNextHop.set(nextHop, byAs);
    }
    const asKey = prependAs ?? -1;
    let id = byAs.get(asKey);
    if (id === undefined) {
      id = this.table.intern({
        nextHop,
        asPath: prependAs === undefined ? [] : [prependAs],
        origin: ORIGIN_IGP,
        clusterList: [],
      });
      byAs.set(asKey, id);
    }
    return id;
  }
}
