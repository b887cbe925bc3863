/**
 * One speaker's RIBs in typed arrays indexed by prefix id, so that 5,000 speakers holding 5,000
 * prefixes each (25 million routes) fit in memory and no route is a JavaScript object:
 * - the Loc-RIB: per prefix, the best route's attribute set, its first two next-hop neighbours
 *   (a client of two reflectors has both), one byte for its source and the rule that chose it,
 *   and one for the number of ECMP paths (with ADD-PATH one neighbour may send several, so a
 *   neighbour is listed once however many of its paths are used); next-hop neighbours beyond two
 *   live in a side map, as they are rare;
 * - the Adj-RIBs-In: per prefix, two inline (neighbour, attribute set) slots, which is all a
 *   client of two reflectors or a mesh member ever needs, and a side map for more.
 * Invariants: a slot beyond an array's length reads as empty; the arrays grow with the prefix
 * table. The order of candidates in the Adj-RIB-In means nothing (selection is a total order).
 * Readers outside the network see the Loc-RIB through LocRibView, as entries made on demand.
 */
import { type RouteSource, RULES, type Rule } from './best-path.js';
import type { PathSets } from './path-sets.js';

export type RouteSourceCode = 0 | 1 | 2;

/** A Loc-RIB entry: the best route and its ECMP companions (neighbour indices, -1 = local). */
export interface LocEntry {
  readonly attrs: number;
  readonly source: RouteSource;
  /** The neighbours the ECMP paths came from, each once, best first. */
  readonly via: readonly number[];
  /** How many paths are used (ECMP), which may be more than via's neighbours with ADD-PATH. */
  readonly paths: number;
  readonly decidedBy: string;
}

/** A Loc-RIB entry in its stored form. */
export interface StoredRoute {
  /** The attribute set id, or -1 for a local route. */
  attrs: number;
  source: RouteSourceCode;
  /** The next-hop neighbours, each once, best first (-1 for a local route): the first viaCount of via. */
  readonly via: number[];
  viaCount: number;
  /** The number of ECMP paths (at most 255 are counted). */
  paths: number;
  decision: number;
  /** Whether an iBGP peer that is not an rr client may be sent it (see BgpNetwork). */
  reexportable: boolean;
}

const REEXPORTABLE = 64;

const EMPTY = new Int32Array(0);
const EMPTY_BYTES = new Uint8Array(0);

/**
 * `array`, or a copy long enough for index `needed` (at least `hint`, and half again as long),
 * a multiple of `stride` (slots per prefix); new slots are zero.
 */
export function grown<T extends Int32Array | Uint8Array>(array: T, needed: number, hint: number, stride = 1): T {
  if (needed < array.length) return array;
  const length = Math.ceil(Math.max(needed + 1, hint, array.length + (array.length >> 1)) / stride) * stride;
  const next = new (array.constructor as new (length: number) => T)(length);
  next.set(array);
  return next;
}

/** What the network reads and writes of a speaker's RIBs: SpeakerRib, or a shared view's member (MemberRib). */
export interface Rib {
  readonly size: number;
  hasRoute(prefix: number): boolean;
  readRoute(prefix: number, into: StoredRoute): boolean;
  setRoute(prefix: number, route: StoredRoute): void;
  deleteRoute(prefix: number): void;
  routes(): IterableIterator<number>;
  collectCandidates(prefix: number, into: number[]): void;
  putCandidate(prefix: number, neighbor: number, attrs: number): void;
  dropCandidate(prefix: number, neighbor: number): boolean;
  learnedPrefixes(): IterableIterator<number>;
  prefixesFrom(neighbor: number): number[];
  clear(): void;
}

export class SpeakerRib implements Rib {
  /** Loc-RIB: attribute set + 2 (0: no route, 1: a local route). */
  private locAttrs: Int32Array = EMPTY;
  private locVia: Int32Array = EMPTY;
  /** The second next-hop neighbour + 1 (0: none). */
  private locVia2: Int32Array = EMPTY;
  /** Loc-RIB: source in the low two bits, the deciding rule in the next four, then reexportable. */
  private locMeta: Uint8Array = EMPTY_BYTES;
  private locPaths: Uint8Array = EMPTY_BYTES;
  private readonly locMoreVia = new Map<number, number[]>();
  private locCount = 0;
  /** Adj-RIB-In: neighbour + 1 (0: empty slot) and attribute set, two slots per prefix. */
  private inNeighbor: Int32Array = EMPTY;
  private inAttrs: Int32Array = EMPTY;
  /** Candidates beyond the two slots: prefix → flat [neighbour, attrs, ...]. */
  private readonly inMore = new Map<number, number[]>();

  /** `capacity` is a hint: the prefix table's size, so arrays are sized once, not grown often. */
  constructor(
    private readonly capacity: () => number,
    private readonly paths: PathSets,
  ) {}

  get size(): number {
    return this.locCount;
  }

  hasRoute(prefix: number): boolean {
    return prefix < this.locAttrs.length && this.locAttrs[prefix] !== 0;
  }

  /** Reads the Loc-RIB entry for a prefix into `into`; false when there is none. */
  readRoute(prefix: number, into: StoredRoute): boolean {
    if (!this.hasRoute(prefix)) return false;
    const meta = this.locMeta[prefix] as number;
    into.attrs = (this.locAttrs[prefix] as number) - 2;
    into.source = (meta & 3) as RouteSourceCode;
    into.decision = (meta >> 2) & 15;
    into.reexportable = (meta & REEXPORTABLE) !== 0;
    into.paths = this.locPaths[prefix] as number;
    into.via[0] = this.locVia[prefix] as number;
    into.viaCount = 1;
    const second = this.locVia2[prefix] as number;
    if (second !== 0) into.via[into.viaCount++] = second - 1;
    const more = this.locMoreVia.get(prefix);
    if (more !== undefined) for (const via of more) into.via[into.viaCount++] = via;
    return true;
  }

  setRoute(prefix: number, route: StoredRoute): void {
    if (prefix >= this.locAttrs.length) {
      const hint = this.capacity();
      this.locAttrs = grown(this.locAttrs, prefix, hint);
      this.locVia = grown(this.locVia, prefix, hint);
      this.locVia2 = grown(this.locVia2, prefix, hint);
      this.locMeta = grown(this.locMeta, prefix, hint);
      this.locPaths = grown(this.locPaths, prefix, hint);
    }
    if (this.locAttrs[prefix] === 0) this.locCount++;
    this.locAttrs[prefix] = route.attrs + 2;
    this.locVia[prefix] = route.via[0] as number;
    this.locVia2[prefix] = route.viaCount > 1 ? (route.via[1] as number) + 1 : 0;
    this.locMeta[prefix] = route.source | (route.decision << 2) | (route.reexportable ? REEXPORTABLE : 0);
    this.locPaths[prefix] = Math.min(route.paths, 255);
    if (route.viaCount > 2) this.locMoreVia.set(prefix, route.via.slice(2, route.viaCount));
    else this.locMoreVia.delete(prefix);
  }

  deleteRoute(prefix: number): void {
    if (!this.hasRoute(prefix)) return;
    this.locAttrs[prefix] = 0;
    this.locMoreVia.delete(prefix);
    this.locCount--;
  }

  /** Prefixes with a Loc-RIB route, in prefix-id order. */
  *routes(): IterableIterator<number> {
    for (let p = 0; p < this.locAttrs.length; p++) if (this.locAttrs[p] !== 0) yield p;
  }

  /** What a neighbour sent for a prefix: an attribute set, a path set (PathSets), or -1. */
  candidateFrom(prefix: number, neighbor: number): number {
    if (prefix >= this.inNeighbor.length) return -1;
    const slot = prefix * 2;
    if (this.inNeighbor[slot] === neighbor + 1) return this.inAttrs[slot] as number;
    if (this.inNeighbor[slot + 1] === neighbor + 1) return this.inAttrs[slot + 1] as number;
    const more = this.inMore.get(prefix);
    if (more === undefined) return -1;
    for (let i = 0; i < more.length; i += 2) if (more[i] === neighbor) return more[i + 1] as number;
    return -1;
  }

  /** Writes a prefix's Adj-RIB-In candidates into `into` as flat [neighbour, attrs, ...], a pair per path. */
  collectCandidates(prefix: number, into: number[]): void {
    if (prefix >= this.inNeighbor.length / 2) return;
    const slot = prefix * 2;
    for (let s = slot; s < slot + 2; s++) {
      const n = this.inNeighbor[s] as number;
      if (n !== 0) this.paths.pushPaths(into, n - 1, this.inAttrs[s] as number);
    }
    const more = this.inMore.get(prefix);
    if (more !== undefined)
      for (let i = 0; i < more.length; i += 2) this.paths.pushPaths(into, more[i] as number, more[i + 1] as number);
  }

  /** Adds or replaces a neighbour's candidate. */
  putCandidate(prefix: number, neighbor: number, attrs: number): void {
    if (prefix * 2 + 1 >= this.inNeighbor.length) {
      const hint = this.capacity() * 2;
      this.inNeighbor = grown(this.inNeighbor, prefix * 2 + 1, hint, 2);
      this.inAttrs = grown(this.inAttrs, prefix * 2 + 1, hint, 2);
    }
    const slot = prefix * 2;
    let free = -1;
    for (let s = slot; s < slot + 2; s++) {
      if (this.inNeighbor[s] === neighbor + 1) {
        this.inAttrs[s] = attrs;
        return;
      }
      if (free < 0 && this.inNeighbor[s] === 0) free = s;
    }
    const more = this.inMore.get(prefix);
    if (more !== undefined) {
      for (let i = 0; i < more.length; i += 2) {
        if (more[i] === neighbor) {
          more[i + 1] = attrs;
          return;
        }
      }
    }
    if (free >= 0) {
      this.inNeighbor[free] = neighbor + 1;
      this.inAttrs[free] = attrs;
    } else if (more !== undefined) {
      more.push(neighbor, attrs);
    } else {
      this.inMore.set(prefix, [neighbor, attrs]);
    }
  }

  /** Removes a neighbour's candidate; false when it had none. */
  dropCandidate(prefix: number, neighbor: number): boolean {
    if (prefix >= this.inNeighbor.length / 2) return false;
    const slot = prefix * 2;
    const more = this.inMore.get(prefix);
    for (let s = slot; s < slot + 2; s++) {
      if (this.inNeighbor[s] !== neighbor + 1) continue;
      if (more !== undefined) {
        // Refill the slot from the overflow, so slots are used before the side map.
        this.inAttrs[s] = more.pop() as number;
        this.inNeighbor[s] = (more.pop() as number) + 1;
        if (more.length === 0) this.inMore.delete(prefix);
      } else {
        this.inNeighbor[s] = 0;
      }
      return true;
    }
    if (more === undefined) return false;
    for (let i = 0; i < more.length; i += 2) {
      if (more[i] !== neighbor) continue;
      more.splice(i, 2);
      if (more.length === 0) this.inMore.delete(prefix);
      return true;
    }
    return false;
  }

  /** Prefixes with at least one Adj-RIB-In candidate, in prefix-id order. */
  *learnedPrefixes(): IterableIterator<number> {
    for (let p = 0; p * 2 < this.inNeighbor.length; p++) {
      if (this.inNeighbor[p * 2] !== 0 || this.inNeighbor[p * 2 + 1] !== 0 || this.inMore.has(p)) yield p;
    }
  }

  /** Prefixes a neighbour sent, in prefix-id order. */
  prefixesFrom(neighbor: number): number[] {
    const found: number[] = [];
    for (let p = 0; p * 2 < this.inNeighbor.length; p++) {
      if (this.inNeighbor[p * 2] === neighbor + 1 || this.inNeighbor[p * 2 + 1] === neighbor + 1) found.push(p);
      else if (this.inMore.has(p) && this.candidateFrom(p, neighbor) !== -1) found.push(p);
    }
    return found;
  }

  clear(): void {
    this.locAttrs = EMPTY;
    this.locVia = EMPTY;
    this.locVia2 = EMPTY;
    this.locMeta = EMPTY_BYTES;
    this.locMoreVia.clear();
    this.locCount = 0;
    this.inNeighbor = EMPTY;
    this.inAttrs = EMPTY;
    this.inMore.clear();
  }
}

export const SOURCES: readonly RouteSource[] = ['static', 'kernel', 'bgp'];
export const BGP: RouteSourceCode = 2;
/**
 * What decided a stored route: 0 for the only route, 1 + the index of the rule in RULES, or
 * EQUAL_PATHS when no rule tells the best from the runner-up (ADD-PATH: two paths from one peer
 * that differ only in what BIRD does not compare; BIRD keeps the one it held first).
 */
const DECISIONS: readonly string[] = ['only-route', ...RULES.map((rule) => rule.id), 'equal-paths'];
export const EQUAL_PATHS = DECISIONS.length - 1;
/** Decision codes are packed into 4 bits of a route's meta byte (see readRoute). */
const DECISION_BITS = 4;
if (DECISIONS.length > 1 << DECISION_BITS)
  throw new Error(`${DECISIONS.length} decision codes do not fit in ${DECISION_BITS} bits`);

/** The deciding rule's id (or 'only-route', 'equal-paths') for a stored decision code. */
export function decisionName(code: number): string {
  return DECISIONS[code] as string;
}

/** The stored form of a deciding rule (none: the only route). */
export function decisionCode(rule: Rule | undefined): number {
  return rule === undefined ? 0 : RULES.indexOf(rule) + 1;
}

/** A speaker's Loc-RIB as a read-only map of prefix id to entry, read from the compact RIB. */
export interface LocRib {
  readonly size: number;
  get(prefix: number): LocEntry | undefined;
  has(prefix: number): boolean;
  keys(): IterableIterator<number>;
  entries(): IterableIterator<[number, LocEntry]>;
  [Symbol.iterator](): IterableIterator<[number, LocEntry]>;
}

export class LocRibView implements LocRib {
  constructor(private readonly rib: Rib) {}

  get size(): number {
    return this.rib.size;
  }

  get(prefix: number): LocEntry | undefined {
    const route = storedRoute();
    return this.rib.readRoute(prefix, route)
      ? {
          attrs: route.attrs,
          source: SOURCES[route.source] as RouteSource,
          via: route.via.slice(0, route.viaCount),
          paths: route.paths,
          decidedBy: decisionName(route.decision),
        }
      : undefined;
  }

  has(prefix: number): boolean {
    return this.rib.hasRoute(prefix);
  }

  keys(): IterableIterator<number> {
    return this.rib.routes();
  }

  *entries(): IterableIterator<[number, LocEntry]> {
    for (const prefix of this.rib.routes()) yield [prefix, this.get(prefix) as LocEntry];
  }

  [Symbol.iterator](): IterableIterator<[number, LocEntry]> {
    return this.entries();
  }
}

export function storedRoute(): StoredRoute {
  return { attrs: -1, source: BGP, via: [], viaCount: 0, paths: 0, decision: 0, reexportable: false };
}

/** Whether two flat candidate lists are the same, pair by pair. */
export function sameList(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether two stored routes are the same route (attributes, source, next-hop neighbours, paths). */
export function sameRoute(a: StoredRoute | undefined, b: StoredRoute | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.attrs !== b.attrs || a.source !== b.source || a.viaCount !== b.viaCount || a.paths !== b.paths) return false;
  for (let i = 0; i < a.viaCount; i++) if (a.via[i] !== b.via[i]) return false;
  return true;
}
