/**
 * Remembered best-path choices. A choice depends on the speaker only through its AS, its kind,
 * its subnets and whether it has a default route (which make a path eBGP, on-link, resolvable),
 * and on each candidate only through its neighbour's AS, router ID and address and its attribute
 * set. So speakers that hold the same paths from the same peers choose alike: the clients of one
 * pair of reflectors, with ADD-PATH's several paths each, rank them once between them. A choice is
 * kept by position in the candidate list, so each speaker maps it onto its own neighbours.
 * Invariant: a remembered choice is what RouteChooser computes for the same key. Leaves out:
 * local routes (they depend on the speaker's own router ID) and single candidates (nothing to
 * rank). Two candidates are kept too: measured on rr 1,000, a lookup beats filling and comparing
 * them. Bounded: the table starts afresh when it holds MAX_ENTRIES choices.
 */
import { type Neighbor, type Peering, peerRouterId, type Speaker } from './peering.js';
import { SequenceTable } from './sequence-table.js';

const EMPTY = -1;
const MAX_ENTRIES = 1 << 18;

/** A remembered choice: the best's position, the decision code, the ECMP path count, the next-hop positions. */
export interface Choice {
  best: number;
  decision: number;
  paths: number;
  /** Positions (in the candidate list) of the next-hop neighbours, each once, best first. */
  readonly via: number[];
}

export class ChoiceMemo {
  private readonly speakerClass: Int32Array;
  private readonly classIds = new Map<string, number>();
  private readonly identity: Int32Array;
  private readonly identityIds = new Map<string, number>();
  private readonly keys = new SequenceTable();
  /** Per key id, from resultStart: best, decision, paths, via count, via. */
  private results: number[] = [];
  private resultStart: number[] = [];
  /** The key of the last `recall`: its first keyLength numbers (0: none may be kept). */
  private key = new Int32Array(64);
  private keyLength = 0;

  constructor(private readonly peering: Peering) {
    this.speakerClass = new Int32Array(peering.speakers.length).fill(EMPTY);
    this.identity = new Int32Array(peering.neighbors.length).fill(EMPTY);
  }

  /** The remembered choice for these candidates into `into`; false when there is none (or none may be kept). */
  recall(s: Speaker, found: readonly number[], into: Choice): boolean {
    if (!this.keyOf(s, found)) return false;
    const id = this.keys.find(this.key, this.keyLength);
    if (id === EMPTY) return false;
    const results = this.results;
    let at = this.resultStart[id] as number;
    into.best = results[at++] as number;
    into.decision = results[at++] as number;
    into.paths = results[at++] as number;
    const viaCount = results[at++] as number;
    into.via.length = 0;
    for (let i = 0; i < viaCount; i++) into.via.push(results[at++] as number);
    return true;
  }

  /** Keeps a choice for the candidates last given to `recall` (which found none). */
  remember(choice: Choice): void {
    if (this.keyLength === 0) return;
    if (this.keys.size >= MAX_ENTRIES) this.clear();
    this.keys.add(this.key, this.keyLength);
    this.resultStart.push(this.results.length);
    this.results.push(choice.best, choice.decision, choice.paths, choice.via.length, ...choice.via);
  }

  /** The key for these candidates into this.key; false (and an empty key) for a local route or one candidate. */
  private keyOf(s: Speaker, found: readonly number[]): boolean {
    this.keyLength = 0;
    if (found.length <= 2) return false;
    if (this.key.length < found.length + 1) this.key = new Int32Array(found.length * 2);
    const key = this.key;
    key[0] = this.classOf(s);
    for (let i = 0; i < found.length; i += 2) {
      const neighbor = found[i] as number;
      if (neighbor < 0) return false;
      key[i + 1] = this.identityOf(neighbor);
      key[i + 2] = found[i + 1] as number;
    }
    this.keyLength = found.length + 1;
    return true;
  }

  private clear(): void {
    this.keys.clear();
    this.results = [];
    this.resultStart = [];
  }

  private classOf(s: Speaker): number {
    let id = this.speakerClass[s.index] as number;
    if (id !== EMPTY) return id;
    id = intern(this.classIds, speakerClass(s));
    this.speakerClass[s.index] = id;
    return id;
  }

  private identityOf(neighbor: number): number {
    let id = this.identity[neighbor] as number;
    if (id !== EMPTY) return id;
    const n = this.peering.neighbors[neighbor] as Neighbor;
    id = intern(this.identityIds, `${n.remoteAs}|${peerRouterId(this.peering, n)}|${n.remoteAddress}`);
    this.identity[neighbor] = id;
    return id;
  }
}

/** What a speaker's choices depend on, as a key: speakers with the same key choose alike. */
function speakerClass(s: Speaker): string {
  const subnets = s.subnets.map((subnet) => `${subnet.base}/${subnet.len}`).join(',');
  return `${s.asNumber}|${s.kind}|${s.node?.gateway !== undefined}|${subnets}`;
}

function intern(ids: Map<string, number>, key: string): number {
  let id = ids.get(key);
  if (id === undefined) {
    id = ids.size;
    ids.set(key, id);
  }
  return id;
}
