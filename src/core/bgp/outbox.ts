/**
 * What each neighbour is waiting to be sent, and how it leaves: changes queue per neighbour for
 * a packing window, then go out as UPDATE messages, one per attribute set, as BIRD drains a
 * peer's bucket queue when its socket can take more. A best path that changes again within the
 * window is sent once, with its last value.
 * Invariant: a change list is held by at most one outbox or message, and returns to the pool
 * when delivered or dropped.
 */
import type { AttributeTable, PrefixTable } from './attributes.js';
import { type ChangeList, ChangePool } from './changes.js';
import { NO_ROUTE } from './export-policy.js';
import type { PathSets } from './path-sets.js';

export interface MessageCounters {
  updates: number;
  withdraws: number;
}

export class Outbox {
  /** Per neighbour, changes waiting for its send, deduplicated at send. */
  private readonly boxes: (ChangeList | undefined)[] = [];
  private readonly lists = new ChangePool();
  /** Scratch for packing a message, valid while the stamp matches: a prefix's place, an attribute set seen. */
  private placeStamp = new Int32Array(0);
  private place = new Int32Array(0);
  private attrsStamp = new Int32Array(0);
  private packStamp = 0;

  constructor(
    private readonly prefixes: PrefixTable,
    private readonly attributes: AttributeTable,
    private readonly counters: MessageCounters,
    private readonly paths: PathSets,
  ) {}

  /** Queues a change; true when it is the first of a window, so the caller schedules the send. */
  enqueue(neighbor: number, prefix: number, attrs: number): boolean {
    let box = this.boxes[neighbor];
    const first = box === undefined;
    if (box === undefined) {
      box = this.lists.take();
      this.boxes[neighbor] = box;
    }
    box.push(prefix, attrs);
    return first;
  }

  /** The neighbour's pending changes, or undefined if none; pack them to send, or recycle them. */
  take(neighbor: number): ChangeList | undefined {
    const box = this.boxes[neighbor];
    this.boxes[neighbor] = undefined;
    return box;
  }

  /** An empty list, for a message that carries nothing but End-of-RIB. */
  blank(): ChangeList {
    return this.lists.take();
  }

  /** Drops what a neighbour was waiting for (its session went down). */
  discard(neighbor: number): void {
    const box = this.boxes[neighbor];
    if (box !== undefined) this.lists.give(box);
    this.boxes[neighbor] = undefined;
  }

  /** A delivered or undeliverable message's list goes back to the pool. */
  recycle(changes: ChangeList): void {
    this.lists.give(changes);
  }

  /**
   * Keeps one change per prefix, in the order prefixes were first queued, with the last value
   * queued for each; counts one UPDATE per attribute set and one WITHDRAW if any route goes.
   */
  pack(box: ChangeList): ChangeList {
    const stamp = ++this.packStamp;
    if (this.place.length < this.prefixes.cidrs.length) {
      this.place = new Int32Array(this.prefixes.cidrs.length * 2);
      this.placeStamp = new Int32Array(this.place.length);
    }
    if (this.attrsStamp.length < this.attributes.size) this.attrsStamp = new Int32Array(this.attributes.size * 2);
    const data = box.data;
    let kept = 0;
    for (let i = 0; i < box.length; i += 2) {
      const prefix = data[i] as number;
      if (this.placeStamp[prefix] === stamp) {
        data[(this.place[prefix] as number) + 1] = data[i + 1] as number;
        continue;
      }
      this.placeStamp[prefix] = stamp;
      this.place[prefix] = kept;
      data[kept] = prefix;
      data[kept + 1] = data[i + 1] as number;
      kept += 2;
    }
    box.length = kept;
    let withdraws = false;
    for (let i = 1; i < kept; i += 2) {
      const value = data[i] as number;
      if (value === NO_ROUTE) withdraws = true;
      // One UPDATE per attribute set, each path of a set (ADD-PATH) counted with its own.
      else
        for (let m = 0; m < this.paths.count(value); m++) {
          const attrs = this.paths.member(value, m);
          if (this.attrsStamp[attrs] === stamp) continue;
          this.attrsStamp[attrs] = stamp;
          this.counters.updates++;
        }
    }
    if (withdraws) this.counters.withdraws += 1;
    return box;
  }
}
