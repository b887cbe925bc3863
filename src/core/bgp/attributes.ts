/**
 * Prefixes and path attributes, interned: a prefix is an integer id, an attribute set is an
 * integer id shared by every route that carries the same attributes. Routes in the RIBs are then
 * pairs of integers, however many speakers hold them.
 */
import { type Cidr, type Ipv4, formatCidr } from '../net/index.js';

/** Values numbered in the order first seen: equal keys get the same id. */
class Interner<K, V> {
  private readonly ids = new Map<K, number>();
  readonly values: V[] = [];

  intern(key: K, value: V): number {
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.values.length;
      this.ids.set(key, id);
      this.values.push(value);
    }
    return id;
  }

  find(key: K): number | undefined {
    return this.ids.get(key);
  }
}

export class PrefixTable {
  private readonly table = new Interner<number, Cidr>();

  get cidrs(): readonly Cidr[] {
    return this.table.values;
  }

  intern(cidr: Cidr): number {
    return this.table.intern(cidr.base * 64 + cidr.len, cidr);
  }

  find(cidr: Cidr): number | undefined {
    return this.table.find(cidr.base * 64 + cidr.len);
  }

  cidr(id: number): Cidr {
    return this.table.values[id] as Cidr;
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

export class AttributeTable {
  private readonly table = new Interner<string, PathAttributes>();

  intern(attrs: PathAttributes): number {
    const key = `${attrs.nextHop}|${attrs.origin}|${attrs.localPref ?? ''}|${attrs.med ?? ''}|${attrs.originatorId ?? ''}|${attrs.asPath.join(',')}|${attrs.clusterList.join(',')}`;
    return this.table.intern(key, attrs);
  }

  get(id: number): PathAttributes {
    return this.table.values[id] as PathAttributes;
  }
}
