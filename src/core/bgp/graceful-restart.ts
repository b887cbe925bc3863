/**
 * Graceful restart's bookkeeping (RFC 4724, as BIRD keeps it): per neighbour, the routes its last
 * session carried that are held as stale after the session closed without a NOTIFICATION, until
 * the neighbour sends them again, its End-of-RIB flushes the rest, or a timeout does. The network
 * owns the routes themselves; this only remembers which are stale and which timeout is current.
 * Invariant: a neighbour has at most one current timeout; an older one is recognised and ignored.
 */

/** BIRD's `graceful restart wait`: how long a restarted BIRD waits for its peers' End-of-RIB (seconds). */
export const RECOVERY_WAIT = 240;

interface Held {
  readonly prefixes: Set<number>;
  /** The current timeout's number, or -1 while none runs (the restarting side until BIRD starts). */
  readonly epoch: number;
}

export class StaleRoutes {
  private readonly held = new Map<number, Held>();
  private epochs = 0;
  /** Neighbours whose first dump after a graceful restart ends with End-of-RIB. */
  readonly endOfRibDue = new Set<number>();

  has(neighbor: number): boolean {
    return this.held.has(neighbor);
  }

  /** The neighbour's stale prefixes, to strike out as they are sent again. */
  prefixesOf(neighbor: number): Set<number> | undefined {
    return this.held.get(neighbor)?.prefixes;
  }

  /** Marks what the neighbour sent as stale, beside anything still stale from before; returns the count. */
  keep(neighbor: number, prefixes: Iterable<number>): number {
    const held = this.held.get(neighbor);
    const set = held?.prefixes ?? new Set<number>();
    for (const prefix of prefixes) set.add(prefix);
    this.held.set(neighbor, { prefixes: set, epoch: held?.epoch ?? -1 });
    this.endOfRibDue.delete(neighbor);
    return set.size;
  }

  /** Starts a new timeout for the neighbour's stale routes; its number, or undefined if none are held. */
  arm(neighbor: number): number | undefined {
    const held = this.held.get(neighbor);
    if (held === undefined) return undefined;
    const epoch = ++this.epochs;
    this.held.set(neighbor, { prefixes: held.prefixes, epoch });
    return epoch;
  }

  isCurrent(neighbor: number, epoch: number): boolean {
    return this.held.get(neighbor)?.epoch === epoch;
  }

  /** Forgets and returns the neighbour's stale prefixes: they are flushed, or were dropped with the session. */
  take(neighbor: number): Set<number> | undefined {
    const held = this.held.get(neighbor);
    this.held.delete(neighbor);
    this.endOfRibDue.delete(neighbor);
    return held?.prefixes;
  }
}
