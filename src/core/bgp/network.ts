/**
 * The BGP network in simulated time: every speaker's sessions, Adj-RIBs and Loc-RIB, driven by
 * the sim engine. Calico's behaviour as BIRD runs it:
 * - a node originates a static blackhole for each affine block and a kernel-learned /32 for
 *   each address it borrowed; it exports only routes inside pools (confd's export filter);
 * - iBGP split horizon unless one side is an rr client; reflection sets ORIGINATOR_ID and
 *   prepends the CLUSTER_LIST and keeps the next hop; eBGP prepends the AS, sets next hop self
 *   (unless the next hop is on the subnet shared with the peer: a third-party next hop) and drops
 *   paths carrying the receiver's AS; nothing goes back to the neighbour it came from;
 * - UPDATEs are packed per neighbour over a 5 ms window (one message per attribute set); a route
 *   is exported once per update group (neighbours of one export class) and sent to each member.
 * Invariants: the same topology, operations and seed give the same event order and results; a
 * route is in a Loc-RIB only while its session is Established. Leaves out: graceful restart,
 * MRAI timers, communities, route flap damping, IPv6.
 */
import type { Cluster } from '../cluster/index.js';
import { type Cidr, cidrContains } from '../net/index.js';
import { Engine, Rng, type RunResult } from '../sim/index.js';
import type { Underlay } from '../topology/underlay.js';
import { AttributeTable, OriginatedAttributes, type PathAttributes, PrefixTable } from './attributes.js';
import { type RouteSource, type Selection, selectBest } from './best-path.js';
import { type ChangeList, ChangePool } from './changes.js';
import { type RibCandidate, RouteChooser } from './choose.js';
import { type Neighbor, type Peering, peerRouterId, type Speaker } from './peering.js';
import { BGP, type LocRib, LocRibView, SOURCES, SpeakerRib, type StoredRoute, storedRoute } from './rib.js';
import { BGP_PORT, type BgpState, type SessionEvent, step, TIMERS } from './session.js';

export type { RibCandidate } from './choose.js';
export type { LocEntry, LocRib } from './rib.js';

export interface SessionStatus {
  state: BgpState;
  since: number;
  error: string;
  establishedAt: number;
  path: readonly string[];
  generation: number;
  errorWait: number;
}

export interface TimelineEntry {
  readonly at: number;
  readonly speaker: string;
  readonly kind: 'session' | 'route' | 'event';
  readonly text: string;
  readonly prefix?: string;
}

type NetEvent =
  | { readonly kind: 'connect'; readonly session: number; readonly generation: number }
  | { readonly kind: 'tcp-up'; readonly session: number; readonly generation: number }
  | { readonly kind: 'open-done'; readonly session: number; readonly generation: number }
  /** changes: (prefix, attrs) pairs, attrs -1 for a withdrawal. */
  | { readonly kind: 'update'; readonly neighbor: number; readonly generation: number; readonly changes: ChangeList }
  | { readonly kind: 'hold-expired'; readonly session: number; readonly generation: number }
  | { readonly kind: 'send'; readonly neighbor: number; readonly generation: number }
  | { readonly kind: 'external'; readonly apply: () => void };

interface SpeakerState {
  up: boolean;
  readonly local: Map<number, RouteSource>;
  readonly rib: SpeakerRib;
  /**
   * Prefixes whose best route an iBGP peer that is not an rr client may be sent: local ones and
   * those learned over eBGP or from an rr client. A session coming up to such a peer (every mesh
   * session) exports only these, not the whole Loc-RIB.
   */
  readonly reexportable: Set<number>;
  readonly blockedPorts: Set<number>;
}

const NO_ROUTE = -1;
const RESPONDER_VISIBLE: ReadonlySet<BgpState> = new Set(['OpenSent', 'OpenConfirm', 'Established', 'Idle']);
const MESSAGE_DELAY = 0.001;
/** How long a neighbour's changes collect before they go out together. */
const PACKING_WINDOW = 0.005;

export interface NetworkCounters {
  updates: number;
  withdraws: number;
  lastRouteChange: number;
}

export class BgpNetwork {
  readonly prefixes = new PrefixTable();
  readonly attributes = new AttributeTable();
  readonly engine = new Engine<NetEvent>();
  readonly sessions: SessionStatus[];
  readonly counters: NetworkCounters = { updates: 0, withdraws: 0, lastRouteChange: 0 };
  readonly timeline: TimelineEntry[] = [];
  /** Speakers that stopped, with the prefixes they originated: peers may hold them stale for a while. */
  readonly stops: { readonly speaker: string; readonly at: number; readonly prefixes: readonly string[] }[] = [];
  private readonly state: SpeakerState[];
  /** Per neighbour, changes waiting for its send, deduplicated at send. */
  private readonly outbox: (ChangeList | undefined)[] = [];
  private readonly changeLists = new ChangePool();
  /** Scratch for packing a message, valid while the stamp matches: a prefix's place, an attribute set seen. */
  private placeStamp = new Int32Array(0);
  private place = new Int32Array(0);
  private attrsStamp = new Int32Array(0);
  private packStamp = 0;
  private readonly neighborsOf: number[][];
  /** Per speaker, the neighbours a learned route may go to whoever it came from: eBGP peers and rr clients. */
  private readonly widePeersOf: number[][];
  private readonly rng: Rng;
  private readonly poolCidrs: { cidr: Cidr; bgp: boolean }[];
  /** Caches for the export hot path: whether a prefix may leave a node, and originated attribute sets. */
  private readonly exportable = new Map<number, boolean>();
  private readonly originated: OriginatedAttributes;
  /**
   * Update groups: neighbours of a speaker that get the same attributes for every route share an
   * export class, so a changed route is exported once per class, not once per neighbour. The
   * scratch arrays hold this recompute's result per class, valid while the stamp matches.
   */
  private readonly exportClass: Int32Array;
  private readonly classStamp: Int32Array;
  /** Per class, the export of the route before (slot 2c) and after (2c + 1) the change. */
  private readonly classAttrs: Int32Array;
  private stamp = 0;
  /** Per export class: (attribute set, neighbour it came from) → what the class is sent. */
  private readonly exportMemo: Map<number, number>[] = [];
  /** Scratch for the hot path: the flat candidate list, the route before and after a change. */
  private readonly found: number[] = [];
  private readonly before = storedRoute();
  private readonly after = storedRoute();
  private readonly exported = storedRoute();
  private readonly chooser: RouteChooser;
  private readonly locViews: LocRibView[];

  constructor(
    readonly peering: Peering,
    readonly underlay: Underlay,
    readonly cluster: Cluster,
    private readonly options: { seed: number; timeline: boolean },
  ) {
    this.rng = new Rng(options.seed);
    this.originated = new OriginatedAttributes(this.attributes);
    const capacity = (): number => this.prefixes.cidrs.length;
    this.state = peering.speakers.map(() => ({
      up: true,
      local: new Map(),
      rib: new SpeakerRib(capacity),
      reexportable: new Set(),
      blockedPorts: new Set(),
    }));
    this.locViews = this.state.map((state) => new LocRibView(state.rib));
    this.chooser = new RouteChooser(peering, this.attributes);
    this.neighborsOf = peering.speakers.map(() => []);
    for (const n of peering.neighbors) (this.neighborsOf[n.speaker] as number[]).push(n.index);
    this.widePeersOf = this.neighborsOf.map((list, speaker) =>
      list.filter((i) => {
        const n = peering.neighbors[i] as Neighbor;
        return n.rrClient || n.remoteAs !== (peering.speakers[speaker] as Speaker).asNumber;
      }),
    );
    this.sessions = peering.sessions.map(() => ({
      state: 'Idle',
      since: 0,
      error: '',
      establishedAt: -1,
      path: [],
      generation: 0,
      errorWait: TIMERS.errorWaitMin,
    }));
    this.poolCidrs = cluster.topology.pools.map((pool) => ({
      cidr: pool.cidr,
      bgp: !pool.disableBGPExport && pool.vxlanMode === 'Never',
    }));
    this.exportClass = exportClasses(peering);
    const classes = this.exportClass.reduce((max, c) => Math.max(max, c + 1), 0);
    this.classStamp = new Int32Array(classes * 2).fill(-1);
    this.classAttrs = new Int32Array(classes * 2);
  }

  /** Calico nodes start: originate their routes and begin connecting after the connect delay. */
  start(): void {
    for (const speaker of this.peering.speakers) this.refreshOriginations(speaker.index);
    for (const session of this.peering.sessions) this.startSession(session.index, TIMERS.connectDelay);
  }

  run(until: number, maxEvents = 50_000_000): RunResult {
    return this.engine.run((event) => this.handle(event), { until, maxEvents });
  }

  /** Schedules a change of the world (a failure, a pod) at a simulated time. */
  at(time: number, apply: () => void): void {
    this.engine.scheduleAt(time, { kind: 'external', apply });
  }

  speaker(index: number): Speaker {
    return this.peering.speakers[index] as Speaker;
  }

  neighbor(index: number): Neighbor {
    return this.peering.neighbors[index] as Neighbor;
  }

  isUp(speaker: number): boolean {
    return (this.state[speaker] as SpeakerState).up;
  }

  locRib(speaker: number): LocRib {
    return this.locViews[speaker] as LocRibView;
  }

  neighborsOfSpeaker(speaker: number): readonly number[] {
    return this.neighborsOf[speaker] as number[];
  }

  /** Every prefix a speaker holds a candidate for: what it originates and what neighbours sent it. */
  knownPrefixes(speaker: number): Set<number> {
    const state = this.state[speaker] as SpeakerState;
    return new Set([...state.local.keys(), ...state.rib.learnedPrefixes()]);
  }

  private log(speaker: number, kind: TimelineEntry['kind'], text: string, prefix?: number): void {
    if (!this.options.timeline) return;
    this.timeline.push({
      at: this.engine.now,
      speaker: this.speaker(speaker).name,
      kind,
      text,
      ...(prefix !== undefined ? { prefix: this.prefixes.text(prefix) } : {}),
    });
  }

  // --- sessions -------------------------------------------------------------------------------

  private startSession(session: number, delay: number): void {
    const status = this.sessions[session] as SessionStatus;
    this.transition(session, { kind: 'start' });
    this.engine.schedule(delay + this.rng.between(0, 0.05), {
      kind: 'connect',
      session,
      generation: status.generation,
    });
  }

  private transition(session: number, event: SessionEvent): void {
    const status = this.sessions[session] as SessionStatus;
    const { next, error } = step(status.state, event);
    const wasEstablished = status.state === 'Established';
    if (next !== status.state || (error !== undefined && error !== status.error)) {
      // BIRD's "since" moves when the protocol goes up or down, not on every retry.
      if ((next === 'Established') !== wasEstablished) status.since = this.engine.now;
      status.state = next;
      if (error !== undefined) status.error = error;
      else if (next === 'Established' || next === 'OpenSent') status.error = '';
      if (this.options.timeline) this.logTransition(session, next, error);
    }
    if (wasEstablished && next !== 'Established') this.sessionDown(session);
  }

  private logTransition(session: number, next: BgpState, error: string | undefined): void {
    this.spec(session).sides.forEach((side, i) => {
      // The responder never dials: it only sees the session open, close or fail.
      const speaker = this.neighbor(side).speaker;
      if (this.isUp(speaker) && (i === 0 || RESPONDER_VISIBLE.has(next)))
        this.log(speaker, 'session', `${this.neighbor(side).name} ${next}${error ? ` (${error})` : ''}`);
    });
  }

  private spec(session: number) {
    return this.peering.sessions[session] as { sides: readonly number[] };
  }

  private initiator(session: number): Neighbor {
    return this.neighbor(this.spec(session).sides[0] as number);
  }

  private responder(session: number): Neighbor | undefined {
    const side = this.spec(session).sides[1];
    return side === undefined ? undefined : this.neighbor(side);
  }

  private current(session: number, generation: number): SessionStatus | undefined {
    const status = this.sessions[session] as SessionStatus;
    return status.generation === generation ? status : undefined;
  }

  private connect(session: number): void {
    const status = this.sessions[session] as SessionStatus;
    const local = this.initiator(session);
    if (!this.isUp(local.speaker)) return;
    this.transition(session, { kind: 'connect-retry' });
    const reach = this.underlay.reach(this.speaker(local.speaker).name, local.remoteAddress);
    const remote = local.remote >= 0 ? (this.state[local.remote] as SpeakerState) : undefined;
    let error: string | undefined;
    if (!reach.ok) error = `Socket: ${reach.reason}`;
    else if (remote === undefined || !remote.up) error = 'Socket: No route to host';
    else if (this.firewalled(local.speaker, local.remote)) error = 'Socket: Connection refused';
    else if (this.responder(session) === undefined) error = 'Socket: Connection closed';
    if (error !== undefined) {
      this.transition(session, { kind: 'tcp-failed', error });
      this.engine.schedule(TIMERS.connectRetry, { kind: 'connect', session, generation: status.generation });
      return;
    }
    status.path = reach.ok ? reach.path : [];
    this.engine.schedule(this.delay(status.path), { kind: 'tcp-up', session, generation: status.generation });
  }

  private delay(path: readonly string[]): number {
    return MESSAGE_DELAY * Math.max(1, path.length - 1) + this.rng.between(0, MESSAGE_DELAY / 2);
  }

  private tcpUp(session: number): void {
    const status = this.sessions[session] as SessionStatus;
    this.transition(session, { kind: 'tcp-up' });
    const a = this.initiator(session);
    const b = this.responder(session) as Neighbor;
    const asError =
      this.speaker(b.speaker).asNumber !== a.remoteAs
        ? 'Bad peer AS'
        : this.speaker(a.speaker).asNumber !== b.remoteAs
          ? 'Bad peer AS'
          : undefined;
    if (asError !== undefined) {
      const detectedBy = this.speaker(b.speaker).asNumber !== a.remoteAs ? 'initiator' : 'responder';
      this.transition(session, {
        kind: 'notification',
        error: detectedBy === 'initiator' ? `Error: ${asError}` : `Received: ${asError}`,
      });
      const wait = status.errorWait;
      status.errorWait = Math.min(status.errorWait * 2, TIMERS.errorWaitMax);
      status.generation++;
      this.transition(session, { kind: 'start' });
      this.engine.schedule(wait, { kind: 'connect', session, generation: status.generation });
      return;
    }
    this.engine.schedule(this.delay(status.path), { kind: 'open-done', session, generation: status.generation });
  }

  private openDone(session: number): void {
    const status = this.sessions[session] as SessionStatus;
    this.transition(session, { kind: 'open-received' });
    this.transition(session, { kind: 'keepalive-received' });
    status.establishedAt = this.engine.now;
    status.errorWait = TIMERS.errorWaitMin;
    for (const side of this.spec(session).sides) {
      const n = this.neighbor(side);
      const state = this.state[n.speaker] as SpeakerState;
      const ibgpNonClient = n.remoteAs === this.speaker(n.speaker).asNumber && !n.rrClient;
      // The neighbour was sent nothing yet: every route it may have goes out.
      for (const prefix of ibgpNonClient ? state.reexportable : state.rib.routes()) {
        const route = state.rib.readRoute(prefix, this.exported) ? this.exported : undefined;
        const attrs = this.exportAttrs(n, prefix, route, false);
        if (attrs !== NO_ROUTE) this.enqueue(n, prefix, attrs);
      }
    }
  }

  /** Both ends drop what they learned over the session; nothing is sent over a dead session. */
  private sessionDown(session: number): void {
    const status = this.sessions[session] as SessionStatus;
    status.generation++;
    status.establishedAt = -1;
    for (const side of this.spec(session).sides) {
      const box = this.outbox[side];
      if (box !== undefined) this.changeLists.give(box);
      this.outbox[side] = undefined;
      const n = this.neighbor(side);
      const rib = (this.state[n.speaker] as SpeakerState).rib;
      for (const prefix of rib.prefixesFrom(side)) {
        rib.dropCandidate(prefix, side);
        this.recompute(n.speaker, prefix);
      }
    }
  }

  /** Drops a session now (a local interface went down, or the peer restarted) and retries later. */
  dropSession(session: number, error: string): void {
    const status = this.sessions[session] as SessionStatus;
    if (status.state === 'Idle' && status.error === error) return;
    this.transition(session, { kind: 'stop', error });
    status.generation++;
    this.transition(session, { kind: 'start' });
    this.engine.schedule(TIMERS.connectRetry, { kind: 'connect', session, generation: status.generation });
  }

  /** The far end stops hearing keepalives: the session falls when the hold timer runs out. */
  scheduleHoldExpiry(session: number): void {
    const status = this.sessions[session] as SessionStatus;
    if (status.state !== 'Established') return;
    const sinceUp = this.engine.now - status.establishedAt;
    const lastKeepalive = status.establishedAt + Math.floor(sinceUp / TIMERS.keepalive) * TIMERS.keepalive;
    this.engine.scheduleAt(lastKeepalive + TIMERS.hold, {
      kind: 'hold-expired',
      session,
      generation: status.generation,
    });
  }

  private holdExpired(session: number): void {
    const status = this.sessions[session] as SessionStatus;
    this.transition(session, { kind: 'hold-expired' });
    status.generation++;
    this.transition(session, { kind: 'start' });
    this.engine.schedule(TIMERS.connectRetry, { kind: 'connect', session, generation: status.generation });
  }

  // --- failures and restores --------------------------------------------------------------------

  /**
   * A speaker that stops dies silently: its peers keep its routes until their hold timers run
   * out. One that starts again reconnects after the connect delay; a peer still holding the old
   * session drops it when the new one opens.
   */
  setSpeakerUp(speaker: number, up: boolean): void {
    const state = this.state[speaker] as SpeakerState;
    if (state.up === up) return;
    this.log(speaker, 'event', up ? 'started' : 'stopped');
    const sessions = (this.neighborsOf[speaker] as number[]).map((n) => this.neighbor(n).session);
    state.up = up;
    this.underlay.setMachineUp(this.speaker(speaker).name, up);
    if (!up) {
      for (const session of sessions) this.scheduleHoldExpiry(session);
      this.stops.push({
        speaker: this.speaker(speaker).name,
        at: this.engine.now,
        prefixes: [...state.local.keys()].map((p) => this.prefixes.text(p)),
      });
      this.clearSpeaker(speaker);
      return;
    }
    this.refreshOriginations(speaker);
    for (const session of sessions) {
      const status = this.sessions[session] as SessionStatus;
      if (status.state === 'Established') this.transition(session, { kind: 'stop', error: 'Peer restarted' });
      status.generation++;
      status.state = 'Idle';
      this.startSession(session, TIMERS.connectDelay);
    }
  }

  /** A stopped speaker forgets everything it learned and announced. */
  private clearSpeaker(speaker: number): void {
    const state = this.state[speaker] as SpeakerState;
    state.rib.clear();
    state.reexportable.clear();
    state.local.clear();
  }

  setLinkUp(a: string, b: string, up: boolean): void {
    this.underlay.setLinkUp(a, b, up);
    if (up) return;
    for (const [session, status] of this.sessions.entries()) {
      if (status.state !== 'Established' || !crosses(status.path, a, b)) continue;
      const endpoints = this.spec(session).sides.map((side) => this.speaker(this.neighbor(side).speaker).name);
      if (endpoints.includes(a) || endpoints.includes(b)) this.dropSession(session, 'Link down');
      else this.scheduleHoldExpiry(session);
    }
  }

  setPortBlocked(speaker: number, port: number, blocked: boolean): void {
    const state = this.state[speaker] as SpeakerState;
    if (blocked) state.blockedPorts.add(port);
    else state.blockedPorts.delete(port);
    if (!blocked) return;
    for (const n of this.neighborsOf[speaker] as number[]) {
      const neighbor = this.neighbor(n);
      const stopped =
        neighbor.remote >= 0 ? this.firewalled(speaker, neighbor.remote) : port === this.listenPort(speaker);
      if (stopped) this.scheduleHoldExpiry(neighbor.session);
    }
  }

  /** The TCP port a speaker's BIRD listens on: BGPConfiguration's listenPort on nodes, 179 on routers. */
  private listenPort(speaker: number): number {
    return (this.peering.speakers[speaker] as Speaker).kind === 'node'
      ? this.cluster.topology.bgp.listenPort
      : BGP_PORT;
  }

  /**
   * Whether firewall rules stop every TCP connection a session could use: a connects to b's listen
   * port, or b to a's, and a rule on a port (both directions) on either end stops a connection to it.
   */
  private firewalled(a: number, b: number): boolean {
    const onA = (this.state[a] as SpeakerState).blockedPorts;
    const onB = (this.state[b] as SpeakerState).blockedPorts;
    const toB = this.listenPort(b);
    const toA = this.listenPort(a);
    return (onA.has(toB) || onB.has(toB)) && (onA.has(toA) || onB.has(toA));
  }

  // --- routes ------------------------------------------------------------------------------------

  /** Re-reads what a node originates from IPAM: blackholes for its blocks, /32s it borrowed. */
  refreshOriginations(speaker: number): void {
    const s = this.speaker(speaker);
    const state = this.state[speaker] as SpeakerState;
    if (s.node === undefined || !state.up) return;
    const wanted = new Map<number, RouteSource>();
    for (const block of this.cluster.ipam.blocksOf(s.name)) {
      if (block.pool.vxlanMode === 'Never') wanted.set(this.prefixes.intern(block.cidr), 'static');
    }
    for (const allocation of this.cluster.ipam.borrowedBy(s.name)) {
      const pool = this.cluster.ipam.blockContaining(allocation.ip)?.pool;
      if (pool?.vxlanMode === 'Never') wanted.set(this.prefixes.intern({ base: allocation.ip, len: 32 }), 'kernel');
    }
    for (const prefix of [...state.local.keys()]) {
      if (!wanted.has(prefix)) {
        state.local.delete(prefix);
        this.recompute(speaker, prefix);
      }
    }
    for (const [prefix, source] of wanted) {
      if (state.local.get(prefix) === source) continue;
      state.local.set(prefix, source);
      this.recompute(speaker, prefix);
    }
  }

  /** Every candidate for a prefix at a speaker, for selection and for explanations. */
  candidates(speaker: number, prefix: number): RibCandidate[] {
    return this.chooser.candidates(this.speaker(speaker), this.collect(speaker, prefix, []));
  }

  /** A prefix's candidates as flat [neighbour, attrs, ...]; a local route is [-1, source code]. */
  private collect(speaker: number, prefix: number, into: number[]): number[] {
    const state = this.state[speaker] as SpeakerState;
    const local = state.local.get(prefix);
    if (local !== undefined) into.push(NO_ROUTE, SOURCES.indexOf(local));
    state.rib.collectCandidates(prefix, into);
    return into;
  }

  /** The attributes a neighbour announced for a prefix, as this speaker holds them (Adj-RIB-In). */
  attributesFrom(speaker: number, prefix: number, neighbor: number): PathAttributes | undefined {
    const attrs = (this.state[speaker] as SpeakerState).rib.candidateFrom(prefix, neighbor);
    return attrs < 0 ? undefined : this.attributes.get(attrs);
  }

  selection(speaker: number, prefix: number): Selection<RibCandidate> | undefined {
    return selectBest(this.candidates(speaker, prefix));
  }

  /** The best usable route for a prefix into `this.after`; false when there is none. */
  private choose(speaker: number, prefix: number): boolean {
    const found = this.found;
    found.length = 0;
    return this.chooser.choose(this.speaker(speaker), this.collect(speaker, prefix, found), this.after);
  }

  private recompute(speaker: number, prefix: number): void {
    const state = this.state[speaker] as SpeakerState;
    const before = state.rib.readRoute(prefix, this.before) ? this.before : undefined;
    const after = this.choose(speaker, prefix) ? this.after : undefined;
    const wasReexportable = before?.reexportable === true;
    const from = after?.source === BGP ? this.neighbor(after.via[0] as number) : undefined;
    const reexportable =
      after !== undefined && (from === undefined || from.rrClient || from.remoteAs !== this.speaker(speaker).asNumber);
    if (after !== undefined) after.reexportable = reexportable;
    if (sameRoute(before, after)) {
      // The deciding rule may have changed even when the route did not.
      if (after !== undefined) state.rib.setRoute(prefix, after);
      return;
    }
    if (after === undefined) state.rib.deleteRoute(prefix);
    else state.rib.setRoute(prefix, after);
    if (reexportable && !wasReexportable) state.reexportable.add(prefix);
    else if (!reexportable && wasReexportable) state.reexportable.delete(prefix);
    this.counters.lastRouteChange = this.engine.now;
    this.log(speaker, 'route', after === undefined ? 'withdrawn' : before === undefined ? 'added' : 'changed', prefix);
    this.stamp++;
    // iBGP peers that are not rr clients were sent nothing for a route that was and is not
    // re-exportable, and are sent nothing now: in a mesh that is every peer of every learned route.
    const neighbors = wasReexportable || reexportable ? this.neighborsOf[speaker] : this.widePeersOf[speaker];
    for (const index of neighbors as number[]) {
      const n = this.neighbor(index);
      if ((this.sessions[n.session] as SessionStatus).state !== 'Established') continue;
      // What an Established neighbour was last sent is the export of the route before the change.
      const was = this.exportAttrs(n, prefix, before, true, 0);
      const now = this.exportAttrs(n, prefix, after, true, 1);
      if (was !== now) this.enqueue(n, prefix, now);
    }
  }

  /**
   * What a speaker sends a neighbour for a prefix when its Loc-RIB holds `route` (attrs id), or
   * NO_ROUTE. Grouped: computed once per export class and change (slot 0 before, 1 after).
   */
  private exportAttrs(n: Neighbor, prefix: number, route: StoredRoute | undefined, grouped: boolean, slot = 0): number {
    if (route === undefined) return NO_ROUTE;
    const from = route.source === BGP ? this.neighbor(route.via[0] as number) : undefined;
    if (from?.index === n.index) return NO_ROUTE;
    if (!grouped) return this.exportForClass(n, prefix, route.attrs, from);
    const key = (this.exportClass[n.index] as number) * 2 + slot;
    if (this.classStamp[key] !== this.stamp) {
      this.classAttrs[key] = this.exportForClass(n, prefix, route.attrs, from);
      this.classStamp[key] = this.stamp;
    }
    return this.classAttrs[key] as number;
  }

  /**
   * The export of a route to any neighbour of n's class: everything but split horizon. Past
   * Calico's pool filter it depends only on the class, the attribute set and the neighbour the
   * route came from, so it is remembered per class: a reflector's full-table dump to each client
   * that comes up is then a lookup per route, not a new attribute set to build and intern.
   */
  private exportForClass(n: Neighbor, prefix: number, attrsId: number, from: Neighbor | undefined): number {
    if (this.speaker(n.speaker).kind === 'node' && !this.exportedByCalico(prefix)) return NO_ROUTE;
    const exportClass = this.exportClass[n.index] as number;
    let memo = this.exportMemo[exportClass];
    if (memo === undefined) {
      memo = new Map();
      this.exportMemo[exportClass] = memo;
    }
    const key = (attrsId + 1) * (this.peering.neighbors.length + 1) + (from?.index ?? NO_ROUTE) + 1;
    let attrs = memo.get(key);
    if (attrs === undefined) {
      attrs = this.exportRoute(n, attrsId, from);
      memo.set(key, attrs);
    }
    return attrs;
  }

  /** The attributes a route gets on its way to n's class (local when from is undefined), or NO_ROUTE. */
  private exportRoute(n: Neighbor, attrsId: number, from: Neighbor | undefined): number {
    const s = this.speaker(n.speaker);
    const ibgpOut = n.remoteAs === s.asNumber;
    const ibgpIn = from !== undefined && from.remoteAs === s.asNumber;
    if (ibgpIn && ibgpOut && !from.rrClient && !n.rrClient) return NO_ROUTE;
    const learned: PathAttributes | undefined = from === undefined ? undefined : this.attributes.get(attrsId);
    let attrs: PathAttributes;
    if (learned === undefined) return this.originated.get(n.localAddress, ibgpOut ? undefined : s.asNumber);
    if (ibgpOut) {
      const reflecting = ibgpIn;
      const clusterList =
        reflecting && s.clusterId !== undefined ? [s.clusterId, ...learned.clusterList] : learned.clusterList;
      if (s.clusterId !== undefined && n.rrClient && learned.clusterList.includes(s.clusterId)) return NO_ROUTE;
      const nextHopSelf = n.nextHopMode === 'Self' || (!ibgpIn && s.kind === 'router' && n.nextHopMode !== 'Keep');
      const originatorId = reflecting
        ? (learned.originatorId ?? peerRouterId(this.peering, from))
        : learned.originatorId;
      attrs = {
        nextHop: nextHopSelf ? n.localAddress : learned.nextHop,
        asPath: learned.asPath,
        origin: learned.origin,
        ...(learned.localPref !== undefined ? { localPref: learned.localPref } : {}),
        ...(learned.med !== undefined ? { med: learned.med } : {}),
        ...(originatorId !== undefined ? { originatorId } : {}),
        clusterList,
      };
    } else {
      attrs = {
        nextHop: this.keepsNextHopOverEbgp(s, n, learned.nextHop) ? learned.nextHop : n.localAddress,
        asPath: [s.asNumber, ...learned.asPath],
        origin: learned.origin,
        clusterList: [],
      };
    }
    return this.attributes.intern(attrs);
  }

  /**
   * eBGP rewrites the next hop to the sender's address, unless told to keep it or the next hop is
   * on the subnet shared with the peer: then the peer can reach it directly, and BIRD passes it on
   * unchanged (a third-party next hop, RFC 4271 5.1.3).
   */
  private keepsNextHopOverEbgp(s: Speaker, n: Neighbor, nextHop: number): boolean {
    if (n.nextHopMode === 'Keep') return true;
    if (n.nextHopMode === 'Self') return false;
    const shared = s.subnets.find((subnet) => cidrContains(subnet, n.remoteAddress));
    return shared !== undefined && cidrContains(shared, nextHop);
  }

  /** confd's calico_export_to_bgp_peers: only prefixes inside an exporting pool leave a node. */
  private exportedByCalico(prefix: number): boolean {
    let exported = this.exportable.get(prefix);
    if (exported === undefined) {
      const cidr = this.prefixes.cidr(prefix);
      exported = this.poolCidrs.some(
        (pool) => pool.bgp && cidrContains(pool.cidr, cidr.base) && cidr.len >= pool.cidr.len,
      );
      this.exportable.set(prefix, exported);
    }
    return exported;
  }

  /** Queues a change for a neighbour; the first change of a window schedules the send. */
  private enqueue(n: Neighbor, prefix: number, attrs: number): void {
    let box = this.outbox[n.index];
    if (box === undefined) {
      this.outbox[n.index] = box = this.changeLists.take();
      const status = this.sessions[n.session] as SessionStatus;
      this.engine.schedule(PACKING_WINDOW, { kind: 'send', neighbor: n.index, generation: status.generation });
    }
    box.push(prefix, attrs);
  }

  /**
   * Sends a neighbour's pending changes as UPDATE messages, one per attribute set. Changes made
   * within the packing window go out together, as BIRD drains a peer's bucket queue when its
   * socket can take more: a best path that changes again meanwhile is sent only once.
   */
  private send(neighborIndex: number, generation: number): void {
    const box = this.outbox[neighborIndex];
    this.outbox[neighborIndex] = undefined;
    const n = this.neighbor(neighborIndex);
    const status = this.sessions[n.session] as SessionStatus;
    const sides = this.spec(n.session).sides;
    const far = sides[0] === neighborIndex ? sides[1] : sides[0];
    if (box === undefined) return;
    if (far === undefined || status.state !== 'Established' || status.generation !== generation) {
      this.changeLists.give(box);
      return;
    }
    const changes = this.pack(box);
    this.engine.schedule(this.delay(status.path), {
      kind: 'update',
      neighbor: far,
      generation: status.generation,
      changes,
    });
  }

  /**
   * Keeps one change per prefix, in the order prefixes were first queued, with the last value
   * queued for each; counts one UPDATE per attribute set and one WITHDRAW if any route goes.
   */
  private pack(box: ChangeList): ChangeList {
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
      const attrs = data[i] as number;
      if (attrs === NO_ROUTE) withdraws = true;
      else if (this.attrsStamp[attrs] !== stamp) {
        this.attrsStamp[attrs] = stamp;
        this.counters.updates++;
      }
    }
    if (withdraws) this.counters.withdraws += 1;
    return box;
  }

  private receive(neighborIndex: number, changes: ChangeList): void {
    const n = this.neighbor(neighborIndex);
    const s = this.speaker(n.speaker);
    const rib = (this.state[n.speaker] as SpeakerState).rib;
    const data = changes.data;
    for (let i = 0; i < changes.length; i += 2) {
      const prefix = data[i] as number;
      const attrsId = data[i + 1] as number;
      if (attrsId !== NO_ROUTE && this.acceptable(s, n, this.attributes.get(attrsId)))
        rib.putCandidate(prefix, neighborIndex, attrsId);
      else if (!rib.dropCandidate(prefix, neighborIndex)) continue;
      this.recompute(n.speaker, prefix);
    }
  }

  /** Loop checks on receipt: own AS in the path, own router ID as originator, own cluster ID. */
  private acceptable(s: Speaker, n: Neighbor, attrs: PathAttributes): boolean {
    if (n.remoteAs !== s.asNumber && attrs.asPath.includes(s.asNumber)) return false;
    if (attrs.originatorId === s.routerId) return false;
    if (s.clusterId !== undefined && n.rrClient && attrs.clusterList.includes(s.clusterId)) return false;
    return true;
  }

  private handle(event: NetEvent): void {
    switch (event.kind) {
      case 'external':
        event.apply();
        return;
      case 'connect':
        if (this.current(event.session, event.generation)) this.connect(event.session);
        return;
      case 'tcp-up':
        if (this.current(event.session, event.generation)) this.tcpUp(event.session);
        return;
      case 'open-done':
        if (this.current(event.session, event.generation)) this.openDone(event.session);
        return;
      case 'hold-expired':
        if (this.current(event.session, event.generation)?.state === 'Established') this.holdExpired(event.session);
        return;
      case 'send':
        this.send(event.neighbor, event.generation);
        return;
      case 'update': {
        const n = this.neighbor(event.neighbor);
        if (this.current(n.session, event.generation)?.state === 'Established' && this.isUp(n.speaker))
          this.receive(event.neighbor, event.changes);
        this.changeLists.give(event.changes);
        return;
      }
    }
  }
}

/**
 * Numbers each neighbour's export class: what the attributes it is sent depend on besides the
 * route (iBGP or eBGP, rr client, next-hop mode, the local address, and for eBGP the subnet shared
 * with the peer, which decides a third-party next hop).
 */
function exportClasses(peering: Peering): Int32Array {
  const ids = new Map<string, number>();
  const classes = new Int32Array(peering.neighbors.length);
  for (const n of peering.neighbors) {
    const s = peering.speakers[n.speaker] as Speaker;
    const ebgp = n.remoteAs !== s.asNumber;
    const shared = ebgp ? s.subnets.find((subnet) => cidrContains(subnet, n.remoteAddress)) : undefined;
    const key = `${n.speaker}|${ebgp ? 'e' : 'i'}|${n.rrClient}|${n.nextHopMode}|${n.localAddress}|${shared === undefined ? '' : `${shared.base}/${shared.len}`}`;
    let id = ids.get(key);
    if (id === undefined) {
      id = ids.size;
      ids.set(key, id);
    }
    classes[n.index] = id;
  }
  return classes;
}

function sameRoute(a: StoredRoute | undefined, b: StoredRoute | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.attrs !== b.attrs || a.source !== b.source || a.viaCount !== b.viaCount) return false;
  for (let i = 0; i < a.viaCount; i++) if (a.via[i] !== b.via[i]) return false;
  return true;
}

function crosses(path: readonly string[], a: string, b: string): boolean {
  for (let i = 0; i + 1 < path.length; i++) {
    if ((path[i] === a && path[i + 1] === b) || (path[i] === b && path[i + 1] === a)) return true;
  }
  return false;
}
