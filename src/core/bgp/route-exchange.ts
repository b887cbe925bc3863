/**
 * Routes between speakers, as BIRD moves them: what each speaker originates, best-path choice on
 * every change, ADD-PATH (every path a peer may have goes out, path sets in path-sets.ts), and
 * delivery, to each neighbour through its outbox or, for nodes that only listen (a reflector's
 * clients, a full mesh), once per sender into a shared view (shared-views.ts, view-delivery.ts);
 * graceful restart's stale routes (graceful-restart.ts). The network (network.ts) drives it with
 * events and failures.
 * Invariants: a route is in a Loc-RIB only while its session is Established, or while it is
 * stale; what an Established neighbour was last sent is the export of the paths before a change
 * (no Adj-RIB-Out is kept). Leaves out: MRAI timers, communities, route flap damping, IPv6.
 */
import type { Cluster } from '../cluster/index.js';
import type { Underlay } from '../topology/underlay.js';
import { AttributeTable, type PathAttributes } from './attributes.js';
import { type Selection, selectBest } from './best-path.js';
import type { ChangeList } from './changes.js';
import { type RibCandidate, RouteChooser } from './choose.js';
import { BgpSessions, type NetEvent, type SessionStatus, type SpeakerState } from './connections.js';
import { ExportPolicy, NO_ROUTE } from './export-policy.js';
import { StaleRoutes } from './graceful-restart.js';
import { MemberRib } from './member-rib.js';
import { Outbox } from './outbox.js';
import type { Neighbor, Peering, Speaker } from './peering.js';
import {
  type LocEntry,
  type LocRib,
  LocRibView,
  SOURCES,
  type StoredRoute,
  sameList,
  sameRoute,
  storedRoute,
} from './rib.js';
import { originations } from './service-routes.js';
import { SharedViews } from './shared-views.js';
import { ViewDelivery } from './view-delivery.js';

export interface NetworkCounters {
  updates: number;
  withdraws: number;
  lastRouteChange: number;
}

/** How long a neighbour's changes collect before they go out together. */
const PACKING_WINDOW = 0.005;

export abstract class RouteExchange extends BgpSessions {
  readonly attributes = new AttributeTable();
  readonly counters: NetworkCounters = { updates: 0, withdraws: 0, lastRouteChange: 0 };
  /** Per speaker, the neighbours a learned route may go to whoever it came from: eBGP peers and rr clients. */
  private readonly widePeersOf: number[][];
  /** Scratch for the hot path: the flat candidate list, the route before and after a change. */
  private readonly before = storedRoute();
  private readonly after = storedRoute();
  /** A prefix's candidates (flat pairs) before and after a change, and for a first dump. */
  private readonly beforeList: number[] = [];
  private readonly afterList: number[] = [];
  private readonly exported: number[] = [];
  private readonly dumped = storedRoute();
  private readonly policy: ExportPolicy;
  private readonly outbox: Outbox;
  private readonly chooser: RouteChooser;
  private readonly locViews: LocRibView[];
  /** Shared views, when listening nodes share them (see shared-views.ts). */
  protected readonly delivery: ViewDelivery | undefined;
  /** Per speaker, the neighbours a change is sent to one by one (all but its sides towards view members), and the wide ones. */
  private readonly sendTo: readonly (readonly number[])[];
  private readonly wideSendTo: readonly (readonly number[])[];
  /** A view member's best route before a change (its Loc-RIB is worked out when read). */
  private memberBefore = false;
  private readonly decided: number[] = [];
  /** Per neighbour (the receiving side), the routes it keeps stale after a graceful close. */
  protected readonly stale = new StaleRoutes();

  constructor(
    peering: Peering,
    underlay: Underlay,
    cluster: Cluster,
    options: { seed: number; timeline: boolean; sharedViews: boolean },
  ) {
    super(peering, underlay, cluster, options);
    const { bgp } = cluster.topology;
    this.policy = new ExportPolicy(
      peering,
      this.prefixes,
      this.attributes,
      cluster.topology.pools,
      [...bgp.serviceClusterIPs, ...bgp.serviceExternalIPs],
      this.paths,
    );
    this.outbox = new Outbox(this.prefixes, this.attributes, this.counters, this.paths);
    this.chooser = new RouteChooser(peering, this.attributes);
    this.widePeersOf = this.neighborsOf.map((list, speaker) =>
      list.filter((i) => {
        const n = peering.neighbors[i] as Neighbor;
        return n.rrClient || n.remoteAs !== (peering.speakers[speaker] as Speaker).asNumber;
      }),
    );
    const views = options.sharedViews && !options.timeline ? this.formViews() : undefined;
    this.delivery =
      views &&
      new ViewDelivery(views, peering, this.policy, this.outbox, this.counters, (key, epoch) =>
        this.engine.schedule(PACKING_WINDOW, { kind: 'send', neighbor: key, generation: epoch }),
      );
    const apart = (list: number[]) => (views ? list.filter((n) => !views.isSenderSide(n)) : list);
    this.sendTo = this.neighborsOf.map(apart);
    this.wideSendTo = this.widePeersOf.map(apart);
    this.locViews = this.state.map((state) => new LocRibView(state.rib));
  }

  /** Forms the shared views of listening nodes; each member's RIB reads its views. */
  private formViews(): SharedViews | undefined {
    const views = SharedViews.form({
      peering: this.peering,
      widePeersOf: this.widePeersOf,
      neighborsOf: (speaker) => this.neighborsOf[speaker] as number[],
      farSide: (neighbor) => this.farSide(neighbor),
      exportClassOf: (neighbor) => this.policy.exportClassOf(neighbor),
      countPaths: (value) => this.paths.count(value),
    });
    views?.memberSidesOf.forEach((sides, speaker) => {
      if (sides === undefined) return;
      const s = this.speaker(speaker);
      const state = this.state[speaker] as SpeakerState;
      state.rib = new MemberRib(
        views,
        sides,
        state.local,
        this.paths,
        (side, value) => this.policy.acceptedPaths(s, this.neighbor(side), value),
        (prefix, into) => this.decide(speaker, prefix, into),
      );
    });
    return views;
  }

  /** A speaker's best route for a prefix from what it holds now, into `into`: how a member's Loc-RIB is read. */
  private decide(speaker: number, prefix: number, into: StoredRoute): boolean {
    this.decided.length = 0;
    const list = this.collect(speaker, prefix, this.decided);
    const s = this.speaker(speaker);
    if (!this.chooser.choose(s, list, into)) return false;
    into.reexportable = this.policy.reexportable(s, list);
    return true;
  }

  /** Whether listening nodes share their views (see shared-views.ts). */
  get sharesViews(): boolean {
    return this.delivery !== undefined;
  }

  locRib(speaker: number): LocRib {
    return this.locViews[speaker] as LocRibView;
  }

  /** Every prefix a speaker holds a candidate for: what it originates and what neighbours sent it. */
  knownPrefixes(speaker: number): Set<number> {
    const state = this.state[speaker] as SpeakerState;
    return new Set([...state.local.keys(), ...state.rib.learnedPrefixes()]);
  }

  /** A stopped speaker forgets everything it learned and announced. */
  protected clearSpeaker(speaker: number): void {
    const state = this.state[speaker] as SpeakerState;
    state.rib.clear();
    state.reexportable.clear();
    state.local.clear();
  }

  // --- routes ------------------------------------------------------------------------------------

  /** Re-reads what a node originates from IPAM: blackholes for its blocks, /32s it borrowed. */
  refreshOriginations(speaker: number): void {
    const s = this.speaker(speaker);
    if (s.node === undefined || !this.birdRunning(speaker)) return;
    const state = this.state[speaker] as SpeakerState;
    const wanted = originations(this.cluster, s.node, this.prefixes, this.engine.now);
    for (const prefix of [...state.local.keys()]) {
      if (!wanted.has(prefix)) {
        this.snapshot(speaker, prefix);
        state.local.delete(prefix);
        this.recompute(speaker, prefix);
      }
    }
    for (const [prefix, source] of wanted) {
      if (state.local.get(prefix) === source) continue;
      this.snapshot(speaker, prefix);
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

  /** The attributes of each path a route's next hops come from (with ADD-PATH, several per peer). */
  ecmpAttributes(speaker: number, prefix: number, route: LocEntry): PathAttributes[] {
    if (route.paths <= 1) return route.attrs < 0 ? [] : [this.attributes.get(route.attrs)];
    return this.chooser.ecmpAttributes(this.speaker(speaker), this.collect(speaker, prefix, []), route);
  }

  /**
   * Keeps a prefix's candidates before a change, for recompute to tell what its peers were sent.
   * Where no path of the prefix was re-exportable and no peer takes the others (no eBGP peer, no
   * rr client: a reflector's client, a mesh member), no peer was sent anything for it, which the
   * empty list says as well; so most receipts skip the copy.
   */
  private snapshot(speaker: number, prefix: number): void {
    this.beforeList.length = 0;
    const state = this.state[speaker] as SpeakerState;
    if (state.rib instanceof MemberRib) this.memberBefore = state.rib.readRoute(prefix, this.before);
    if ((this.widePeersOf[speaker] as number[]).length === 0 && !state.reexportable.has(prefix)) return;
    this.collect(speaker, prefix, this.beforeList);
  }

  selection(speaker: number, prefix: number): Selection<RibCandidate> | undefined {
    return selectBest(this.candidates(speaker, prefix));
  }

  /**
   * After a change to a prefix's candidates (taken before it by `snapshot`): the best route, and
   * what each peer is sent. Sessions negotiate ADD-PATH (Calico's `add paths on`), so a peer is
   * sent every candidate's export, not the best's alone: a change to any path goes out.
   */
  private recompute(speaker: number, prefix: number): void {
    const state = this.state[speaker] as SpeakerState;
    const held = state.rib instanceof MemberRib ? this.memberBefore : state.rib.readRoute(prefix, this.before);
    const before = held ? this.before : undefined;
    const beforeList = this.beforeList;
    const afterList = this.collect(speaker, prefix, this.clearedAfterList());
    const s = this.speaker(speaker);
    const after = this.chooser.choose(s, afterList, this.after) ? this.after : undefined;
    const wasWide = state.reexportable.has(prefix);
    const isWide = this.policy.reexportable(s, afterList);
    if (after !== undefined) after.reexportable = isWide;
    if (isWide && !wasWide) state.reexportable.add(prefix);
    else if (!isWide && wasWide) state.reexportable.delete(prefix);
    if (after === undefined) state.rib.deleteRoute(prefix);
    // The deciding rule may have changed even when the route did not.
    else state.rib.setRoute(prefix, after);
    if (!sameRoute(before, after)) {
      this.counters.lastRouteChange = this.engine.now;
      this.log(
        speaker,
        'route',
        after === undefined ? 'withdrawn' : before === undefined ? 'added' : 'changed',
        prefix,
      );
    }
    if (sameList(beforeList, afterList)) return;
    this.policy.nextChange();
    // iBGP peers that are not rr clients were sent nothing for a prefix with no re-exportable
    // path, and are sent nothing now: in a mesh that is every peer of every learned route.
    const neighbors = wasWide || isWide ? this.sendTo[speaker] : this.wideSendTo[speaker];
    for (const index of neighbors as number[]) {
      const n = this.neighbor(index);
      if ((this.sessions[n.session] as SessionStatus).state !== 'Established') continue;
      // What an Established neighbour was last sent is the export of the paths before the change.
      const was = this.policy.exportPaths(n, prefix, beforeList, before, true, 0);
      const now = this.policy.exportPaths(n, prefix, afterList, after, true, 1);
      if (was !== now) this.enqueue(n, prefix, now);
    }
    this.delivery?.exportChange(speaker, prefix, beforeList, before, afterList, after);
  }

  private clearedAfterList(): number[] {
    this.afterList.length = 0;
    return this.afterList;
  }

  /** Queues a change for a neighbour; the first change of a window schedules the send. */
  private enqueue(n: Neighbor, prefix: number, attrs: number): void {
    if (this.outbox.enqueue(n.index, prefix, attrs)) {
      const status = this.sessions[n.session] as SessionStatus;
      this.engine.schedule(PACKING_WINDOW, { kind: 'send', neighbor: n.index, generation: status.generation });
    }
  }

  /**
   * Sends a neighbour's pending changes as UPDATE messages, one per attribute set. Changes made
   * within the packing window go out together, as BIRD drains a peer's bucket queue when its
   * socket can take more: a best path that changes again meanwhile is sent only once.
   */
  protected send(neighborIndex: number, generation: number): void {
    if (this.delivery?.isSlotKey(neighborIndex)) {
      this.sendToSlot(neighborIndex, generation);
      return;
    }
    const endOfRib = this.stale.endOfRibDue.delete(neighborIndex);
    const box = this.outbox.take(neighborIndex) ?? (endOfRib ? this.outbox.blank() : undefined);
    const n = this.neighbor(neighborIndex);
    const status = this.sessions[n.session] as SessionStatus;
    const far = this.farSide(neighborIndex);
    if (box === undefined) return;
    if (far === undefined || status.state !== 'Established' || status.generation !== generation) {
      this.outbox.recycle(box);
      return;
    }
    const changes = this.outbox.pack(box);
    this.engine.schedule(this.updateDelay(status.path, neighborIndex), {
      kind: 'update',
      neighbor: far,
      generation: status.generation,
      changes,
      endOfRib,
    });
  }

  /** A slot's window closes: its changes go out once, to arrive at the slot's view. */
  private sendToSlot(key: number, epoch: number): void {
    const delivery = this.delivery as ViewDelivery;
    const changes = delivery.take(key, epoch);
    if (changes === undefined) return;
    const path = (this.sessions[delivery.representative(key).session] as SessionStatus).path;
    this.engine.schedule(this.updateDelay(path, key), {
      kind: 'update',
      neighbor: key,
      generation: epoch,
      changes,
      endOfRib: false,
    });
  }

  /** The other side of a neighbour's session, if the far end has a configuration for it. */
  private farSide(neighborIndex: number): number | undefined {
    const sides = this.spec(this.neighbor(neighborIndex).session).sides;
    return sides[0] === neighborIndex ? sides[1] : sides[0];
  }

  private receive(neighborIndex: number, changes: ChangeList): void {
    const n = this.neighbor(neighborIndex);
    const s = this.speaker(n.speaker);
    const rib = (this.state[n.speaker] as SpeakerState).rib;
    const stale = this.stale.prefixesOf(neighborIndex);
    const data = changes.data;
    for (let i = 0; i < changes.length; i += 2) {
      const prefix = data[i] as number;
      const attrsId = data[i + 1] as number;
      stale?.delete(prefix);
      const accepted = attrsId === NO_ROUTE ? NO_ROUTE : this.policy.acceptedPaths(s, n, attrsId);
      this.snapshot(n.speaker, prefix);
      if (accepted !== NO_ROUTE) rib.putCandidate(prefix, neighborIndex, accepted);
      else if (!rib.dropCandidate(prefix, neighborIndex)) continue;
      this.recompute(n.speaker, prefix);
    }
  }

  protected sendAll(side: number): void {
    const n = this.neighbor(side);
    if (this.delivery?.views.isSenderSide(side)) {
      this.sendJoin(side);
      return;
    }
    const state = this.state[n.speaker] as SpeakerState;
    const ibgpNonClient = n.remoteAs === this.speaker(n.speaker).asNumber && !n.rrClient;
    // The neighbour was sent nothing yet: every path it may have goes out.
    const list = this.exported;
    for (const prefix of ibgpNonClient ? state.reexportable : state.rib.routes()) {
      list.length = 0;
      const best = state.rib.readRoute(prefix, this.dumped) ? this.dumped : undefined;
      const paths = this.policy.exportPaths(n, prefix, this.collect(n.speaker, prefix, list), best, false);
      if (paths !== NO_ROUTE) this.enqueue(n, prefix, paths);
    }
    // A far end holding stale routes from this side learns the dump is whole by End-of-RIB.
    const far = this.farSide(side);
    if (far === undefined || !this.stale.has(far)) return;
    this.stale.endOfRibDue.add(side);
    const status = this.sessions[n.session] as SessionStatus;
    this.engine.schedule(PACKING_WINDOW, { kind: 'send', neighbor: side, generation: status.generation });
  }

  /**
   * A member's dump is its sender's view: it joins the view when the dump would have arrived,
   * after the packing window and the UPDATE's delay, as a message sent at the window's close.
   * The side's UPDATE count moves as the dump's send would have moved it.
   */
  private sendJoin(side: number): void {
    const status = this.sessions[this.neighbor(side).session] as SessionStatus;
    const sentAt = this.engine.now + PACKING_WINDOW;
    const far = this.farSide(side) as number;
    this.engine.scheduleAt(sentAt + this.updateDelay(status.path, side), {
      kind: 'join',
      neighbor: far,
      generation: status.generation,
    });
  }

  protected forgetAll(side: number): void {
    this.outbox.discard(side);
    if (this.delivery?.views.isMemberSide(side)) {
      if (this.delivery.views.leave(side)) this.counters.lastRouteChange = this.engine.now;
      return;
    }
    this.stale.take(side);
    const n = this.neighbor(side);
    const rib = (this.state[n.speaker] as SpeakerState).rib;
    for (const prefix of rib.prefixesFrom(side)) {
      this.snapshot(n.speaker, prefix);
      rib.dropCandidate(prefix, side);
      this.recompute(n.speaker, prefix);
    }
  }

  /**
   * The session closed for a graceful restart: what the neighbour sent stays, stale. A helper
   * keeps it for the restart time the restarting side advertised; the restarting side itself
   * until its recovery wait ends, counted from when BIRD starts again.
   */
  protected retainStale(side: number): void {
    this.outbox.discard(side);
    const n = this.neighbor(side);
    const count = this.stale.keep(side, (this.state[n.speaker] as SpeakerState).rib.prefixesFrom(side));
    const far = this.farSide(side);
    if (far === undefined || !this.birdRunning(n.speaker)) return;
    const restartTime = this.neighbor(far).restartTime;
    this.log(
      n.speaker,
      'event',
      `${n.name}: neighbor graceful restart, ${routes(count)} kept stale for ${restartTime}s`,
    );
    this.expireStale(side, restartTime);
  }

  /** Flushes a neighbour's stale routes after `seconds`, unless refreshed or flushed before. */
  protected expireStale(side: number, seconds: number): void {
    const epoch = this.stale.arm(side);
    if (epoch !== undefined) this.engine.schedule(seconds, { kind: 'stale-timeout', neighbor: side, epoch });
  }

  /** Drops the stale routes a neighbour did not send again; `why` goes to the timeline. */
  protected flushStale(side: number, why: string): void {
    const prefixes = this.stale.take(side);
    if (prefixes === undefined) return;
    const n = this.neighbor(side);
    const rib = (this.state[n.speaker] as SpeakerState).rib;
    this.log(n.speaker, 'event', `${n.name}: ${why}, ${routes(prefixes.size, 'stale ')} flushed`);
    for (const prefix of prefixes) {
      this.snapshot(n.speaker, prefix);
      if (rib.dropCandidate(prefix, side)) this.recompute(n.speaker, prefix);
    }
  }

  /** An UPDATE arrives: at a neighbour, or at a slot's shared view. */
  protected arrive(event: Extract<NetEvent, { kind: 'update' }>): void {
    if (this.delivery?.isSlotKey(event.neighbor)) {
      if (this.delivery.deliver(event.neighbor, event.generation, event.changes))
        this.counters.lastRouteChange = this.engine.now;
      this.outbox.recycle(event.changes);
      return;
    }
    const n = this.neighbor(event.neighbor);
    if (this.current(n.session, event.generation)?.state === 'Established' && this.isUp(n.speaker)) {
      this.receive(event.neighbor, event.changes);
      if (event.endOfRib) this.flushStale(event.neighbor, 'End-of-RIB, graceful restart done');
    }
    this.outbox.recycle(event.changes);
  }

  /** A member's dump arrives over a session still up: it holds its sender's view. */
  protected joinView(side: number, generation: number): void {
    const n = this.neighbor(side);
    if (this.current(n.session, generation)?.state !== 'Established' || !this.isUp(n.speaker)) return;
    if ((this.delivery as ViewDelivery).join(side)) this.counters.lastRouteChange = this.engine.now;
  }
}

function routes(count: number, kind = ''): string {
  return `${count} ${kind}route${count === 1 ? '' : 's'}`;
}
