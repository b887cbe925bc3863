/**
 * Shared reflector views. A route reflector sends each client of one update group the same paths:
 * its export of every route to that group, minus what split horizon keeps back, which the
 * client's ORIGINATOR_ID check would drop anyway. So clients that peer with the same reflectors,
 * in the same way, and that only listen (no eBGP peer, no client of their own: Calico's nodes
 * under reflectors) hold one view per reflector between them, delivered once per group: a
 * reflector's change costs the group's size in nothing but counters, where it used to cost a
 * message, a receipt and a best-path choice per client.
 * - A slot is one reflector's view for one group: per prefix, what the reflector sends the group
 *   (an attribute set, an ADD-PATH set, or none).
 * - A member joins a slot when its session's first dump would have arrived, and leaves it when
 *   the session goes down; it holds the view of the reflector's run it joined (the epoch): when
 *   a reflector's BIRD starts again, members still holding the old session keep the old view.
 * - A member's Adj-RIB-In is its joined views, filtered by its own loop checks; its Loc-RIB is
 *   worked out from them and its own routes when read (MemberRib), as BIRD would have chosen.
 * Invariants: a view holds exactly what its reflector last sent the group; a member's
 * candidates are what per-session delivery would have given it once its messages arrived.
 * Leaves out (the network then runs every session alone): the timeline, which records each
 * client's own route changes; graceful restart, whose stale routes are per session; groups of
 * fewer than MIN_MEMBERS clients. Per-session timing inside a group is simplified: members
 * receive a reflector's UPDATE at one instant.
 */
import type { Neighbor, Peering, Speaker } from './peering.js';
import { grown } from './rib.js';

/** Smaller groups gain little and would move the timing of the small topologies users read. */
export const MIN_MEMBERS = 8;
const NONE = -1;

/** What the grouping needs to know of the network. */
export interface GroupingFacts {
  readonly peering: Peering;
  /** Per speaker, its neighbours that are eBGP peers or rr clients. */
  readonly widePeersOf: readonly (readonly number[])[];
  neighborsOf(speaker: number): readonly number[];
  /** The other side of a neighbour's session, if configured. */
  farSide(neighbor: number): number | undefined;
  /** What a neighbour is sent depends on its export class only (ExportPolicy). */
  exportClassOf(neighbor: number): number;
  /** What makes two speakers choose alike between the same paths (ChoiceMemo). */
  speakerClassOf(speaker: Speaker): string;
  /** How many paths a value (an attribute set, or an ADD-PATH set) stands for. */
  countPaths(value: number): number;
}

interface Slot {
  /** A reflector-side neighbour of the group: the export class the group is sent. */
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

export class ReflectorGroups {
  /** Per neighbour: its slot, for a reflector's side towards a member and a member's side towards a reflector; else -1. */
  private readonly slotOfSide: Int32Array;
  /** Per neighbour: 1 for a member's side (it receives the view), 0 otherwise. */
  private readonly memberSide: Uint8Array;
  /** Per member side: the epoch of the view it holds, or -1. */
  private readonly joined: Int32Array;
  /** Per speaker: the slots it reflects into. */
  readonly slotsOf: readonly (readonly number[])[];
  /** Per speaker: its member sides when it is a member, else undefined. */
  readonly memberSidesOf: readonly (readonly number[] | undefined)[];
  private readonly slots: Slot[] = [];
  private readonly countPaths: (value: number) => number;

  private constructor(
    neighbors: number,
    speakers: number,
    groups: readonly (readonly number[])[],
    facts: GroupingFacts,
  ) {
    this.countPaths = (value) => facts.countPaths(value);
    this.slotOfSide = new Int32Array(neighbors).fill(NONE);
    this.memberSide = new Uint8Array(neighbors);
    this.joined = new Int32Array(neighbors).fill(NONE);
    const slotsOf: number[][] = Array.from({ length: speakers }, () => []);
    const memberSidesOf: (number[] | undefined)[] = Array.from({ length: speakers }, () => undefined);
    for (const members of groups) {
      const first = sidesByReflector(facts, members[0] as number);
      const slotIds = first.map((side) => {
        const n = facts.peering.neighbors[side] as Neighbor;
        const id = this.slots.length;
        this.slots.push({
          representative: facts.farSide(side) as number,
          epoch: 0,
          live: new Int32Array(0),
          older: new Map(),
          holders: new Map(),
          paths: new Map(),
        });
        (slotsOf[n.remote] as number[]).push(id);
        return id;
      });
      for (const member of members) {
        const sides = sidesByReflector(facts, member);
        memberSidesOf[member] = sides;
        sides.forEach((side, i) => {
          const slot = slotIds[i] as number;
          this.slotOfSide[side] = slot;
          this.memberSide[side] = 1;
          this.slotOfSide[facts.farSide(side) as number] = slot;
        });
      }
    }
    this.slotsOf = slotsOf;
    this.memberSidesOf = memberSidesOf;
  }

  /** The groups of a peering, or undefined when no group has MIN_MEMBERS clients. */
  static form(facts: GroupingFacts): ReflectorGroups | undefined {
    const { peering } = facts;
    const byKey = new Map<string, number[]>();
    for (const s of peering.speakers) {
      const key = groupKey(facts, s);
      if (key === undefined) continue;
      const members = byKey.get(key);
      if (members === undefined) byKey.set(key, [s.index]);
      else members.push(s.index);
    }
    const groups = [...byKey.values()].filter((members) => members.length >= MIN_MEMBERS);
    if (groups.length === 0) return undefined;
    return new ReflectorGroups(peering.neighbors.length, peering.speakers.length, groups, facts);
  }

  /** Whether a neighbour is a reflector's side towards a member: the group's view replaces its messages. */
  isReflectorSide(neighbor: number): boolean {
    return this.slotOfSide[neighbor] !== NONE && this.memberSide[neighbor] === 0;
  }

  isMemberSide(neighbor: number): boolean {
    return this.memberSide[neighbor] === 1;
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

  /** What a member side's reflector last sent the group for a prefix, in the view it holds; NONE if it holds none. */
  valueFor(memberSide: number, prefix: number): number {
    const epoch = this.joined[memberSide] as number;
    if (epoch === NONE) return NONE;
    const view = this.viewOf(this.slotOfSide[memberSide] as number, epoch);
    return view !== undefined && prefix < view.length ? (view[prefix] as number) : NONE;
  }

  /** How many paths the view a member side holds carries. */
  pathsHeld(memberSide: number): number {
    const epoch = this.joined[memberSide] as number;
    if (epoch === NONE) return 0;
    return (this.slots[this.slotOfSide[memberSide] as number] as Slot).paths.get(epoch) ?? 0;
  }

  /** How far a member side's view reaches in prefix ids (0 when it holds none). */
  extent(memberSide: number): number {
    const epoch = this.joined[memberSide] as number;
    if (epoch === NONE) return 0;
    return this.viewOf(this.slotOfSide[memberSide] as number, epoch)?.length ?? 0;
  }

  /** The member's dump arrived: it holds the current view. True when the view holds any route. */
  join(memberSide: number): boolean {
    const slotId = this.slotOfSide[memberSide] as number;
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
    const slotId = this.slotOfSide[memberSide] as number;
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
   * A message to the group arrives: its (prefix, value) pairs go into the view of the epoch it
   * was sent in. True when a member holding that view saw a route change.
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
      paths += this.countPaths(value) - this.countPaths(was);
      view[prefix] = value;
      changed = true;
    }
    slot.paths.set(epoch, paths);
    return changed && (slot.holders.get(epoch) ?? 0) > 0;
  }

  /** A reflector's BIRD starts afresh: its views start empty; members of the old session keep theirs. */
  restart(reflector: number): void {
    for (const slotId of this.slotsOf[reflector] as number[]) {
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
}

/**
 * The group a speaker may join, as a key: a node that only listens (no eBGP peer, no client),
 * every neighbour an iBGP reflector that has it as a client; the key names how it chooses, each
 * reflector and how the reflector exports to it. Undefined for any other speaker.
 */
function groupKey(facts: GroupingFacts, s: Speaker): string | undefined {
  const { peering } = facts;
  if (s.kind !== 'node' || s.clusterId !== undefined || (facts.widePeersOf[s.index] as number[]).length > 0)
    return undefined;
  const sides = sidesByReflector(facts, s.index);
  if (sides.length === 0) return undefined;
  const parts = [facts.speakerClassOf(s)];
  for (const side of sides) {
    const n = peering.neighbors[side] as Neighbor;
    const far = facts.farSide(side);
    if (far === undefined || n.remote < 0 || n.remoteAs !== s.asNumber) return undefined;
    const back = peering.neighbors[far] as Neighbor;
    if (!back.rrClient || back.speaker !== n.remote) return undefined;
    parts.push(`${n.remote}:${n.remoteAddress}:${n.addPath}:${facts.exportClassOf(far)}`);
  }
  return parts.join('|');
}

/** A speaker's neighbours, by the speaker at their far end (a member's slots in group order). */
function sidesByReflector(facts: GroupingFacts, speaker: number): number[] {
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
