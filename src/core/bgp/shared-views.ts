/**
 * Shared views. A speaker sends every iBGP peer of one export class the same paths: a reflector
 * its export to its clients (minus what split horizon keeps back, which the client's
 * ORIGINATOR_ID check would drop anyway), a full-mesh node its own routes. So peers that only
 * listen (no eBGP peer, no client of their own: Calico's nodes, under reflectors or in a full
 * mesh) hold one view per sender and class between them, delivered once: a sender's change costs
 * its listeners nothing but counters, where it used to cost a message, a receipt and a best-path
 * choice per listener.
 * - A slot is one sender's view for one export class: per prefix, what the sender sends its
 *   members (an attribute set, an ADD-PATH set, or none).
 * - A member joins a slot when its session's first dump would have arrived, and leaves it when
 *   the session goes down; it holds the view of the sender's run it joined (the epoch): when a
 *   sender's BIRD starts again, members still holding the old session keep the old view.
 * - A member's Adj-RIB-In is its joined views, filtered by its own loop checks; its Loc-RIB is
 *   worked out from them and its own routes when read (MemberRib), as BIRD would have chosen.
 * - Every side of a member is in a slot, and every slot has MIN_MEMBERS members.
 * Invariants: a view holds exactly what its sender last sent the class; a member's candidates
 * are what per-session delivery would have given it once its messages arrived.
 * Leaves out (the network then runs every session alone): the timeline, which records each
 * member's own route changes; graceful restart, whose stale routes are per session; slots of
 * fewer than MIN_MEMBERS members. Per-session timing inside a slot is simplified: members
 * receive a sender's UPDATE at one instant.
 */
import type { Neighbor, Peering, Speaker } from './peering.js';
import { grown } from './rib.js';

/** Smaller slots gain little and would move the timing of the small topologies users read. */
export const MIN_MEMBERS = 8;
const NONE = -1;

/** What forming the slots needs to know of the network. */
export interface SlotFacts {
  readonly peering: Peering;
  /** Per speaker, its neighbours that are eBGP peers or rr clients. */
  readonly widePeersOf: readonly (readonly number[])[];
  neighborsOf(speaker: number): readonly number[];
  /** The other side of a neighbour's session, if configured. */
  farSide(neighbor: number): number | undefined;
  /** What a neighbour is sent depends on its export class only (ExportPolicy). */
  exportClassOf(neighbor: number): number;
  /** How many paths a value (an attribute set, or an ADD-PATH set) stands for. */
  countPaths(value: number): number;
}

interface Slot {
  /** The speaker whose export the view holds. */
  readonly sender: number;
  /** The sender's side towards one member: the export class the slot is sent. */
  readonly representative: number;
  epoch: number;
  live: Int32Array;
  /** Views of earlier epochs still held by members whose old session has not gone down. */
  readonly older: Map<number, Int32Array>;
  /** Per epoch, how many members hold it. */
  readonly holders: Map<number, number>;
  /** Per epoch, how many paths the view holds (what a dump of it would carry). */
  readonly paths: Map<number, number>;
}

export class SharedViews {
  /** Per neighbour: the slot a member's side receives, else -1. */
  private readonly slotReceived: Int32Array;
  /** Per neighbour: the slot a sender's side towards a member sends into, else -1 (in a mesh a side does both). */
  private readonly slotSent: Int32Array;
  /** Per member side: the epoch of the view it holds, or -1. */
  private readonly joined: Int32Array;
  /** Per speaker: the slots it sends into. */
  readonly slotsOf: readonly (readonly number[])[];
  /** Per speaker: its sides, ordered by the sender at their far end, when it is a member; else undefined. */
  readonly memberSidesOf: readonly (readonly number[] | undefined)[];
  /** Per prefix: the slots, by sender, any of whose views ever held a path for it (a superset of those holding one now). */
  private readonly slotsHolding: number[][] = [];
  private readonly slots: Slot[] = [];
  private readonly countPaths: (value: number) => number;

  private constructor(neighbors: number, speakers: number, members: ReadonlyMap<number, Membership>, facts: SlotFacts) {
    this.countPaths = (value) => facts.countPaths(value);
    this.slotReceived = new Int32Array(neighbors).fill(NONE);
    this.slotSent = new Int32Array(neighbors).fill(NONE);
    this.joined = new Int32Array(neighbors).fill(NONE);
    const slotsOf: number[][] = Array.from({ length: speakers }, () => []);
    const memberSidesOf: (readonly number[] | undefined)[] = Array.from({ length: speakers }, () => undefined);
    const slotByKey = new Map<number, number>();
    for (const [member, { sides, keys }] of members) {
      memberSidesOf[member] = sides;
      sides.forEach((side, i) => {
        const far = facts.farSide(side) as number;
        let slot = slotByKey.get(keys[i] as number);
        if (slot === undefined) {
          slot = this.slots.length;
          slotByKey.set(keys[i] as number, slot);
          const sender = (facts.peering.neighbors[far] as Neighbor).speaker;
          this.slots.push(emptySlot(sender, far));
          (slotsOf[sender] as number[]).push(slot);
        }
        this.slotReceived[side] = slot;
        this.slotSent[far] = slot;
      });
    }
    this.slotsOf = slotsOf;
    this.memberSidesOf = memberSidesOf;
  }

  /** The slots of a peering, or undefined when none has MIN_MEMBERS members. */
  static form(facts: SlotFacts): SharedViews | undefined {
    const keys = new SlotKeys();
    const members = new Map<number, Membership>();
    for (const s of facts.peering.speakers) {
      const membership = membershipOf(facts, s, keys);
      if (membership !== undefined) members.set(s.index, membership);
    }
    dropSmallSlots(members, keys.count);
    if (members.size === 0) return undefined;
    return new SharedViews(facts.peering.neighbors.length, facts.peering.speakers.length, members, facts);
  }

  /** Whether a neighbour is a sender's side towards a member: the slot's view replaces its messages. */
  isSenderSide(neighbor: number): boolean {
    return this.slotSent[neighbor] !== NONE;
  }

  isMemberSide(neighbor: number): boolean {
    return this.slotReceived[neighbor] !== NONE;
  }

  /** The slot a member side receives, or NONE. */
  slotOf(memberSide: number): number {
    return this.slotReceived[memberSide] as number;
  }

  sender(slot: number): number {
    return (this.slots[slot] as Slot).sender;
  }

  representative(slot: number): number {
    return (this.slots[slot] as Slot).representative;
  }

  epoch(slot: number): number {
    return (this.slots[slot] as Slot).epoch;
  }

  /** How many members hold a slot's view of an epoch. */
  holders(slot: number, epoch: number): number {
    return (this.slots[slot] as Slot).holders.get(epoch) ?? 0;
  }

  /** The slots, ordered by sender, that may hold a path for a prefix. */
  slotsFor(prefix: number): readonly number[] {
    return this.slotsHolding[prefix] ?? NO_SLOTS;
  }

  /** What a member side's sender last sent the slot for a prefix, in the view it holds; NONE if it holds none. */
  valueFor(memberSide: number, prefix: number): number {
    const epoch = this.joined[memberSide] as number;
    if (epoch === NONE) return NONE;
    const view = this.viewOf(this.slotReceived[memberSide] as number, epoch);
    return view !== undefined && prefix < view.length ? (view[prefix] as number) : NONE;
  }

  /** How many paths the view a member side holds carries. */
  pathsHeld(memberSide: number): number {
    const epoch = this.joined[memberSide] as number;
    if (epoch === NONE) return 0;
    return (this.slots[this.slotReceived[memberSide] as number] as Slot).paths.get(epoch) ?? 0;
  }

  /** How far a member side's view reaches in prefix ids (0 when it holds none). */
  extent(memberSide: number): number {
    const epoch = this.joined[memberSide] as number;
    if (epoch === NONE) return 0;
    return this.viewOf(this.slotReceived[memberSide] as number, epoch)?.length ?? 0;
  }

  /** The member's dump arrived: it holds the current view. True when the view holds any route. */
  join(memberSide: number): boolean {
    const slotId = this.slotReceived[memberSide] as number;
    const slot = this.slots[slotId] as Slot;
    this.leave(memberSide);
    this.joined[memberSide] = slot.epoch;
    slot.holders.set(slot.epoch, (slot.holders.get(slot.epoch) ?? 0) + 1);
    return holdsAny(slot.live);
  }

  /** The member's session went down: it holds no view. True when the view it held had any route. */
  leave(memberSide: number): boolean {
    const epoch = this.joined[memberSide] as number;
    if (epoch === NONE) return false;
    const slotId = this.slotReceived[memberSide] as number;
    const slot = this.slots[slotId] as Slot;
    const held = holdsAny(this.viewOf(slotId, epoch));
    this.joined[memberSide] = NONE;
    const left = (slot.holders.get(epoch) ?? 1) - 1;
    if (left > 0) slot.holders.set(epoch, left);
    else {
      slot.holders.delete(epoch);
      if (epoch !== slot.epoch) {
        slot.older.delete(epoch);
        slot.paths.delete(epoch);
      }
    }
    return held;
  }

  /**
   * A message to the slot arrives: its (prefix, value) pairs go into the view of the epoch it was
   * sent in. True when a member holding that view saw a route change.
   */
  apply(slotId: number, epoch: number, data: Int32Array, length: number): boolean {
    const slot = this.slots[slotId] as Slot;
    let view = this.viewOf(slotId, epoch);
    if (view === undefined) return false;
    let changed = false;
    let paths = slot.paths.get(epoch) ?? 0;
    for (let i = 0; i < length; i += 2) {
      const prefix = data[i] as number;
      const value = data[i + 1] as number;
      if (prefix >= view.length) {
        if (value === NONE) continue;
        view = grownView(view, prefix);
        if (epoch === slot.epoch) slot.live = view;
        else slot.older.set(epoch, view);
      }
      const was = view[prefix] as number;
      if (was === value) continue;
      if (was === NONE) this.noteHolding(prefix, slotId);
      paths += this.countPaths(value) - this.countPaths(was);
      view[prefix] = value;
      changed = true;
    }
    slot.paths.set(epoch, paths);
    return changed && (slot.holders.get(epoch) ?? 0) > 0;
  }

  /** A sender's BIRD starts afresh: its views start empty; members of the old session keep theirs. */
  restart(sender: number): void {
    for (const slotId of this.slotsOf[sender] as number[]) {
      const slot = this.slots[slotId] as Slot;
      if ((slot.holders.get(slot.epoch) ?? 0) > 0) slot.older.set(slot.epoch, slot.live);
      else slot.paths.delete(slot.epoch);
      slot.epoch++;
      slot.live = new Int32Array(0);
    }
  }

  private viewOf(slotId: number, epoch: number): Int32Array | undefined {
    const slot = this.slots[slotId] as Slot;
    return epoch === slot.epoch ? slot.live : slot.older.get(epoch);
  }

  /** Records that a slot holds a path for a prefix, keeping each prefix's slots ordered by sender. */
  private noteHolding(prefix: number, slotId: number): void {
    while (this.slotsHolding.length <= prefix) this.slotsHolding.push([]);
    const list = this.slotsHolding[prefix] as number[];
    if (list.includes(slotId)) return;
    const sender = this.sender(slotId);
    let at = list.length;
    while (at > 0 && this.sender(list[at - 1] as number) > sender) at--;
    list.splice(at, 0, slotId);
  }
}

const NO_SLOTS: readonly number[] = [];

/** A would-be member's sides, ordered by sender, and the key of the slot each would receive. */
interface Membership {
  readonly sides: readonly number[];
  readonly keys: Int32Array;
}

function emptySlot(sender: number, representative: number): Slot {
  return {
    sender,
    representative,
    epoch: 0,
    live: new Int32Array(0),
    older: new Map(),
    holders: new Map(),
    paths: new Map(),
  };
}

/**
 * Slot keys as numbers: a slot is named by its sender, how the sender exports to the member's
 * side (its export class), and how the member sees the sender (its address, ADD-PATH). A sender
 * has one or two such triples, so each keeps its own short list.
 */
class SlotKeys {
  /** Per sender: [address, addPath, export class, key] four at a time. */
  private readonly bySender = new Map<number, number[]>();
  /** Per key: how many would-be members receive it. */
  count: Int32Array = new Int32Array(64);
  private next = 0;

  of(sender: number, address: number, addPath: boolean, exportClass: number): number {
    let list = this.bySender.get(sender);
    if (list === undefined) {
      list = [];
      this.bySender.set(sender, list);
    }
    const path = addPath ? 1 : 0;
    for (let i = 0; i < list.length; i += 4)
      if (list[i] === address && list[i + 1] === path && list[i + 2] === exportClass) return list[i + 3] as number;
    const key = this.next++;
    list.push(address, path, exportClass, key);
    this.count = grown(this.count, key, 64);
    return key;
  }
}

/**
 * The slots a speaker would receive, one per side, or undefined when it cannot be a member: it
 * must be a node that only listens (no eBGP peer, no client), with one iBGP session per peer.
 */
function membershipOf(facts: SlotFacts, s: Speaker, slotKeys: SlotKeys): Membership | undefined {
  const { peering } = facts;
  if (s.kind !== 'node' || s.clusterId !== undefined || (facts.widePeersOf[s.index] as number[]).length > 0)
    return undefined;
  const sides = sidesBySender(facts, s.index);
  if (sides.length === 0) return undefined;
  const keys = new Int32Array(sides.length);
  let previous = NONE;
  for (let i = 0; i < sides.length; i++) {
    const n = peering.neighbors[sides[i] as number] as Neighbor;
    const far = facts.farSide(n.index);
    if (far === undefined || n.remote < 0 || n.remote === previous || n.remoteAs !== s.asNumber) return undefined;
    if ((peering.neighbors[far] as Neighbor).speaker !== n.remote) return undefined;
    previous = n.remote;
    keys[i] = slotKeys.of(n.remote, n.remoteAddress, n.addPath, facts.exportClassOf(far));
  }
  for (const key of keys) slotKeys.count[key] = (slotKeys.count[key] as number) + 1;
  return { sides, keys };
}

/** Drops members until every slot left has MIN_MEMBERS: a member needs all of its slots. */
function dropSmallSlots(members: Map<number, Membership>, count: Int32Array): void {
  for (let dropped = true; dropped; ) {
    dropped = false;
    for (const [member, { keys }] of members) {
      if (keys.every((key) => (count[key] as number) >= MIN_MEMBERS)) continue;
      for (const key of keys) count[key] = (count[key] as number) - 1;
      members.delete(member);
      dropped = true;
    }
  }
}

/** A speaker's neighbours, ordered by the speaker at their far end. */
function sidesBySender(facts: SlotFacts, speaker: number): number[] {
  const remote = (side: number): number => (facts.peering.neighbors[side] as Neighbor).remote;
  return [...facts.neighborsOf(speaker)].sort((a, b) => remote(a) - remote(b));
}

/** Whether a view was ever sent a route: close enough for "routes last changed", and O(1). */
function holdsAny(view: Int32Array | undefined): boolean {
  return view !== undefined && view.length > 0;
}

/** A view long enough for `prefix`, its new slots holding no route. */
function grownView(view: Int32Array, prefix: number): Int32Array {
  return grown(view, prefix, 1024).fill(NONE, view.length);
}
