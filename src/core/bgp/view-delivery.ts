/**
 * How a sender's changes reach its shared views (shared-views.ts): after a change, each slot the
 * sender fills is sent its class's export, through the same outbox and packing window as a
 * neighbour, under a key past the neighbours' indices; the message then lands in the slot's
 * view at one instant. UPDATE and WITHDRAW counts are a message's count times the members
 * holding the view, as if each had been sent its own, and a member's join counts the dump it
 * stands for as one UPDATE per path in the view (a dump packs paths that share an attribute set
 * into one UPDATE, so this counts a little high).
 * Invariant: a slot's outbox key is never a neighbour's index.
 */
import type { ChangeList } from './changes.js';
import type { ExportPolicy } from './export-policy.js';
import type { MessageCounters, Outbox } from './outbox.js';
import type { Neighbor, Peering } from './peering.js';
import type { StoredRoute } from './rib.js';
import type { SharedViews } from './shared-views.js';

export class ViewDelivery {
  private readonly firstKey: number;

  constructor(
    readonly views: SharedViews,
    private readonly peering: Peering,
    private readonly policy: ExportPolicy,
    private readonly outbox: Outbox,
    private readonly counters: MessageCounters,
    /** Schedules the send of a key's window, for the epoch it opened in. */
    private readonly openWindow: (key: number, epoch: number) => void,
  ) {
    this.firstKey = peering.neighbors.length;
  }

  /** Whether an outbox key or event target is a slot's rather than a neighbour's. */
  isSlotKey(key: number): boolean {
    return key >= this.firstKey;
  }

  /** After a change at a speaker (the candidates and best before and after): what its slots are sent. */
  exportChange(
    speaker: number,
    prefix: number,
    beforeList: readonly number[],
    before: StoredRoute | undefined,
    afterList: readonly number[],
    after: StoredRoute | undefined,
  ): void {
    for (const slot of this.views.slotsOf[speaker] as number[]) {
      const to = this.peering.neighbors[this.views.representative(slot)] as Neighbor;
      const was = this.policy.exportPaths(to, prefix, beforeList, before, true, 0, false);
      const now = this.policy.exportPaths(to, prefix, afterList, after, true, 1, false);
      if (was === now) continue;
      const key = this.firstKey + slot;
      if (this.outbox.enqueue(key, prefix, now)) this.openWindow(key, this.views.epoch(slot));
    }
  }

  /** A slot's window closes: its packed changes, counted once per member holding the view, or undefined. */
  take(key: number, epoch: number): ChangeList | undefined {
    const box = this.outbox.take(key);
    if (box === undefined) return undefined;
    const { updates, withdraws } = this.counters;
    const changes = this.outbox.pack(box);
    const holders = this.views.holders(key - this.firstKey, epoch);
    this.counters.updates = updates + (this.counters.updates - updates) * holders;
    this.counters.withdraws = withdraws + (this.counters.withdraws - withdraws) * holders;
    return changes;
  }

  /** The representative neighbour of a key's slot: its session's path times the message. */
  representative(key: number): Neighbor {
    return this.peering.neighbors[this.views.representative(key - this.firstKey)] as Neighbor;
  }

  /** A member's dump arrives: it holds its sender's view. True when the view holds any route. */
  join(memberSide: number): boolean {
    const held = this.views.join(memberSide);
    this.counters.updates += this.views.pathsHeld(memberSide);
    return held;
  }

  /** A slot's message arrives; true when a member holding the view saw a route change. */
  deliver(key: number, epoch: number, changes: ChangeList): boolean {
    return this.views.apply(key - this.firstKey, epoch, changes.data, changes.length);
  }
}
