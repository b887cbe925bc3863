/**
 * Prefixes and path attributes, interned: a prefix is an integer id, an attribute set is an
 * integer id shared by every route that carries the same attributes. Routes in the RIBs are then
 * pairs of integers, however many speakers hold them.
 */
import { type Cidr, type Ipv4, formatCidr } from '../net/index.js';

export class PrefixTable {
  private readonly ids = new Map<number, number>();
  readonly cidrs: Cidr[] = [];

  intern(cidr: Cidr): number {
    const key = cidr.base * 64 + cidr.len;
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.cidrs.length;
      this.ids.set(key, id);
      this.cidrs.push(cidr);
    }
    return id;
  }

  find(cidr: Cidr): number | undefined {
    return this.ids.get(cidr.base * 64 + cidr.len);
  }

  cidr(id: number): Cidr {
    return this.cidrs[id] as Cidr;
  }

  text(id: number): string {
    return formatCidr(this.cidr(id));
  }
}

export const ORIGIN_IGP = 0;
export const ORIGIN_EGP = 1;
export const ORIGIN_INCOMPLETE = 2;
export const ORIGIN_NAMES = ['i', 'e', '?'] as const;

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
  private readonly ids = new Map<string, number>();
  readonly sets: PathAttributes[] = [];

  intern(attrs: PathAttributes): number {
    const key = `${attrs.nextHop}|${attrs.origin}|${attrs.localPref ?? ''}|${attrs.med ?? ''}|${attrs.originatorId ?? ''}|${attrs.asPath.join(',')}|${attrs.clusterList.join(',')}`;
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.sets.length;
      this.ids.set(key, id);
      this.sets.push(attrs);
    }
    return id;
  }

  get(id: number): PathAttributes {
    return this.sets[id] as PathAttributes;
  }
}
