/**
 * A shared view's member, seen as a RIB (see shared-views.ts): its Adj-RIB-In is the views it
 * holds, each filtered by its own loop checks, and its Loc-RIB is chosen from them and its own
 * routes when read, as the network would have chosen on receipt. Nothing is stored per member
 * but the views it holds, so 5,000 clients of the same reflectors cost one set of views. A
 * prefix's candidates come from the slots that hold it, each found among the member's sides by
 * its sender: a full-mesh member has a side per node, and a prefix is in one or two views.
 * Invariant: every read gives what a per-session RIB holding the same messages would give, its
 * candidates in the order of their senders.
 * Leaves out: writes. A member's candidates change only through its views, and its Loc-RIB is
 * never stored, so setRoute and deleteRoute have nothing to do.
 */
import type { PathSets } from './path-sets.js';
import type { Rib, StoredRoute } from './rib.js';
import type { SharedViews } from './shared-views.js';

const NONE = -1;

export class MemberRib implements Rib {
  /** Per side, in order, the speaker at its far end: ascending, one side per sender. */
  private readonly senders: Int32Array;

  constructor(
    private readonly views: SharedViews,
    /** The member's sides, ordered by sender. */
    private readonly sides: readonly number[],
    private readonly local: ReadonlyMap<number, unknown>,
    private readonly paths: PathSets,
    /** The paths of a value that the member's loop checks let through from one side, or NONE. */
    private readonly accept: (side: number, value: number) => number,
    /** The member's best route for a prefix, from its own routes and candidates, into `into`. */
    private readonly decide: (prefix: number, into: StoredRoute) => boolean,
  ) {
    this.senders = Int32Array.from(sides, (side) => views.sender(views.slotOf(side)));
  }

  get size(): number {
    let count = 0;
    for (const _ of this.routes()) count++;
    return count;
  }

  hasRoute(prefix: number): boolean {
    return this.local.has(prefix) || this.learned(prefix);
  }

  readRoute(prefix: number, into: StoredRoute): boolean {
    return this.decide(prefix, into);
  }

  setRoute(): void {}

  deleteRoute(): void {}

  *routes(): IterableIterator<number> {
    const end = Math.max(this.extent(), ...[...this.local.keys()].map((prefix) => prefix + 1));
    for (let prefix = 0; prefix < end; prefix++) if (this.hasRoute(prefix)) yield prefix;
  }

  collectCandidates(prefix: number, into: number[]): void {
    for (const slot of this.views.slotsFor(prefix)) {
      const side = this.sideIn(slot);
      const value = side === NONE ? NONE : this.acceptedFrom(side, prefix);
      if (value !== NONE) this.paths.pushPaths(into, side, value);
    }
  }

  putCandidate(): void {
    throw new Error('a shared view member receives nothing of its own');
  }

  dropCandidate(): boolean {
    throw new Error('a shared view member receives nothing of its own');
  }

  *learnedPrefixes(): IterableIterator<number> {
    const end = this.extent();
    for (let prefix = 0; prefix < end; prefix++) if (this.learned(prefix)) yield prefix;
  }

  prefixesFrom(neighbor: number): number[] {
    const found: number[] = [];
    const end = this.views.extent(neighbor);
    for (let prefix = 0; prefix < end; prefix++) if (this.acceptedFrom(neighbor, prefix) !== NONE) found.push(prefix);
    return found;
  }

  /** The member stopped: it holds no view. */
  clear(): void {
    for (const side of this.sides) this.views.leave(side);
  }

  private learned(prefix: number): boolean {
    for (const slot of this.views.slotsFor(prefix)) {
      const side = this.sideIn(slot);
      if (side !== NONE && this.acceptedFrom(side, prefix) !== NONE) return true;
    }
    return false;
  }

  /** The member's side that receives a slot, or NONE: found by the slot's sender. */
  private sideIn(slot: number): number {
    const sender = this.views.sender(slot);
    const senders = this.senders;
    let low = 0;
    let high = senders.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const at = senders[middle] as number;
      if (at < sender) low = middle + 1;
      else if (at > sender) high = middle - 1;
      else {
        const side = this.sides[middle] as number;
        return this.views.slotOf(side) === slot ? side : NONE;
      }
    }
    return NONE;
  }

  private acceptedFrom(side: number, prefix: number): number {
    const value = this.views.valueFor(side, prefix);
    return value === NONE ? NONE : this.accept(side, value);
  }

  private extent(): number {
    let end = 0;
    for (const side of this.sides) end = Math.max(end, this.views.extent(side));
    return end;
  }
}
