/**
 * BGP sessions over the underlay, as BIRD runs them between Calico nodes and routers: a TCP
 * connect to the peer's listen port (refused by a firewall rule, or unreachable), OPEN and
 * KEEPALIVE, the hold timer that notices a silent peer, and the retries after each failure.
 * Every transition goes through the pure FSM of session.ts; the timeline records it.
 * Routes are the subclass's business (network.ts): it is told when a session comes up (send the
 * neighbour everything it may have) and when one goes down (forget what the neighbour sent).
 * A side may be disabled (`birdc disable`): it sends Cease (Administrative shutdown), both ends
 * drop the session's routes at once, and it neither dials nor accepts until enabled again.
 * A side's BIRD may restart gracefully (`birdc graceful restart`, as a calico-node restart does): it
 * closes its sessions without a NOTIFICATION, so both ends keep what the session carried, marked
 * stale, for the subclass to refresh or flush (RFC 4724); while it is down its machine refuses
 * connections to the BGP port.
 * Invariants: an event whose session generation has moved on is ignored; "since" moves only when
 * a session goes up or down. Leaves out: long-lived graceful restart, BFD, TCP-AO, collision
 * detection.
 */
import type { Cluster } from '../cluster/index.js';
import { Engine, hashedUnit, Rng } from '../sim/index.js';
import type { Underlay } from '../topology/underlay.js';
import { PrefixTable } from './attributes.js';
import type { RouteSource } from './best-path.js';
import type { ChangeList } from './changes.js';
import { PathSets } from './path-sets.js';
import type { Neighbor, Peering, Speaker } from './peering.js';
import { grown, type Rib, SpeakerRib } from './rib.js';
import { BGP_PORT, type BgpState, type SessionEvent, step, TIMERS } from './session.js';

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

export type NetEvent =
  | { readonly kind: 'connect'; readonly session: number; readonly generation: number }
  | { readonly kind: 'tcp-up'; readonly session: number; readonly generation: number }
  | { readonly kind: 'open-done'; readonly session: number; readonly generation: number }
  /** changes: (prefix, attrs) pairs, attrs -1 for a withdrawal. */
  | {
      readonly kind: 'update';
      readonly neighbor: number;
      readonly generation: number;
      readonly changes: ChangeList;
      /** The message ends the first dump after a graceful restart (End-of-RIB follows it). */
      readonly endOfRib: boolean;
    }
  | { readonly kind: 'hold-expired'; readonly session: number; readonly generation: number }
  /** A member's first dump arrives: it joins the sender's shared view (see shared-views.ts). */
  | { readonly kind: 'join'; readonly neighbor: number; readonly generation: number }
  | { readonly kind: 'send'; readonly neighbor: number; readonly generation: number }
  /** What a neighbour kept stale from a graceful restart is flushed unless refreshed by then. */
  | { readonly kind: 'stale-timeout'; readonly neighbor: number; readonly epoch: number }
  | { readonly kind: 'external'; readonly apply: () => void };

export interface SpeakerState {
  up: boolean;
  /** BIRD is down for a graceful restart: the machine runs, its kernel keeps the routes (persist). */
  restarting: boolean;
  readonly local: Map<number, RouteSource>;
  /** A SpeakerRib, or a shared view's member (MemberRib, set by the network). */
  rib: Rib;
  /**
   * Prefixes whose best route an iBGP peer that is not an rr client may be sent: local ones and
   * those learned over eBGP or from an rr client. A session coming up to such a peer (every mesh
   * session) exports only these, not the whole Loc-RIB.
   */
  readonly reexportable: Set<number>;
  readonly blockedPorts: Set<number>;
}

const RESPONDER_VISIBLE: ReadonlySet<BgpState> = new Set(['OpenSent', 'OpenConfirm', 'Established', 'Idle']);
const MESSAGE_DELAY = 0.001;

export abstract class BgpSessions {
  readonly prefixes = new PrefixTable();
  /** ADD-PATH's sets of paths one neighbour sends for a prefix, shared by every speaker. */
  readonly paths = new PathSets();
  readonly engine = new Engine<NetEvent>();
  readonly sessions: SessionStatus[];
  readonly timeline: TimelineEntry[] = [];
  protected readonly state: SpeakerState[];
  protected readonly neighborsOf: number[][];
  /** Session timing (connect jitter, TCP and OPEN delays). */
  protected readonly rng: Rng;
  /**
   * Per sender (a neighbour, or a shared view's key), how many UPDATEs it has sent: the k-th
   * message's delay is a hash of (seed, sender, k), so no sender's timing depends on how many
   * messages others sent. Sessions then come up at the same moments however routes travel, and a
   * reflector hears its peers in the same order with shared views as without.
   */
  private updatesSent: Int32Array = new Int32Array(0);
  /** Neighbours (one side's protocol) disabled by `birdc disable`; a restart of BIRD forgets them. */
  protected readonly disabled = new Set<number>();

  constructor(
    readonly peering: Peering,
    readonly underlay: Underlay,
    readonly cluster: Cluster,
    protected readonly options: { seed: number; timeline: boolean },
  ) {
    this.rng = new Rng(options.seed);
    const capacity = (): number => this.prefixes.cidrs.length;
    this.state = peering.speakers.map(() => ({
      up: true,
      restarting: false,
      local: new Map(),
      rib: new SpeakerRib(capacity, this.paths),
      reexportable: new Set(),
      blockedPorts: new Set(),
    }));
    this.neighborsOf = peering.speakers.map(() => []);
    for (const n of peering.neighbors) (this.neighborsOf[n.speaker] as number[]).push(n.index);
    this.sessions = peering.sessions.map(() => ({
      state: 'Idle',
      since: 0,
      error: '',
      establishedAt: -1,
      path: [],
      generation: 0,
      errorWait: TIMERS.errorWaitMin,
    }));
  }

  /** A session just came up: the neighbour on this side is sent every route it may have. */
  protected abstract sendAll(neighbor: number): void;
  /** A session went down: this side forgets what the neighbour sent and stops sending to it. */
  protected abstract forgetAll(neighbor: number): void;
  /** A session closed for a graceful restart: this side keeps what the neighbour sent, as stale. */
  protected abstract retainStale(neighbor: number): void;

  protected log(speaker: number, kind: TimelineEntry['kind'], text: string, prefix?: number): void {
    if (!this.options.timeline) return;
    this.timeline.push({
      at: this.engine.now,
      speaker: this.speaker(speaker).name,
      kind,
      text,
      ...(prefix !== undefined ? { prefix: this.prefixes.text(prefix) } : {}),
    });
  }

  protected startSession(session: number, delay: number): void {
    const status = this.sessions[session] as SessionStatus;
    this.transition(session, { kind: 'start' });
    this.engine.schedule(delay + this.rng.between(0, 0.05), {
      kind: 'connect',
      session,
      generation: status.generation,
    });
  }

  /** Moves a session's FSM; `graceful`: a close without a NOTIFICATION, whose routes both ends keep, stale. */
  protected transition(session: number, event: SessionEvent, graceful = false): void {
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
    if (wasEstablished && next !== 'Established') this.sessionDown(session, graceful);
  }

  protected logTransition(session: number, next: BgpState, error: string | undefined): void {
    this.spec(session).sides.forEach((side, i) => {
      // The responder never dials: it only sees the session open, close or fail.
      const speaker = this.neighbor(side).speaker;
      if (this.birdRunning(speaker) && (i === 0 || RESPONDER_VISIBLE.has(next)))
        this.log(speaker, 'session', `${this.neighbor(side).name} ${next}${error ? ` (${error})` : ''}`);
    });
  }

  protected spec(session: number) {
    return this.peering.sessions[session] as { sides: readonly number[] };
  }

  protected initiator(session: number): Neighbor {
    return this.neighbor(this.spec(session).sides[0] as number);
  }

  protected responder(session: number): Neighbor | undefined {
    const side = this.spec(session).sides[1];
    return side === undefined ? undefined : this.neighbor(side);
  }

  protected current(session: number, generation: number): SessionStatus | undefined {
    const status = this.sessions[session] as SessionStatus;
    return status.generation === generation ? status : undefined;
  }

  protected connect(session: number): void {
    const status = this.sessions[session] as SessionStatus;
    const local = this.initiator(session);
    if (!this.birdRunning(local.speaker) || this.disabled.has(local.index)) return;
    this.transition(session, { kind: 'connect-retry' });
    const reach = this.underlay.reach(this.speaker(local.speaker).name, local.remoteAddress);
    const remote = local.remote >= 0 ? (this.state[local.remote] as SpeakerState) : undefined;
    const responder = this.responder(session);
    let error: string | undefined;
    if (!reach.ok) error = `Socket: ${reach.reason}`;
    else if (remote === undefined || !remote.up) error = 'Socket: No route to host';
    else if (this.firewalled(local.speaker, local.remote) || remote.restarting) error = 'Socket: Connection refused';
    else if (responder === undefined || this.disabled.has(responder.index)) error = 'Socket: Connection closed';
    if (error !== undefined) {
      this.transition(session, { kind: 'tcp-failed', error });
      this.engine.schedule(TIMERS.connectRetry, { kind: 'connect', session, generation: status.generation });
      return;
    }
    status.path = reach.ok ? reach.path : [];
    this.engine.schedule(this.delay(status.path), { kind: 'tcp-up', session, generation: status.generation });
  }

  /** How long a session message (TCP handshake, OPEN) takes along an underlay path. */
  protected delay(path: readonly string[]): number {
    return MESSAGE_DELAY * Math.max(1, path.length - 1) + this.rng.between(0, MESSAGE_DELAY / 2);
  }

  /** How long a sender's next UPDATE takes along an underlay path. */
  protected updateDelay(path: readonly string[], sender: number): number {
    this.updatesSent = grown(this.updatesSent, sender, 1024);
    const k = this.updatesSent[sender] as number;
    this.updatesSent[sender] = k + 1;
    const jitter = hashedUnit(this.options.seed, sender, k) * (MESSAGE_DELAY / 2);
    return MESSAGE_DELAY * Math.max(1, path.length - 1) + jitter;
  }

  protected tcpUp(session: number): void {
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

  protected openDone(session: number): void {
    const status = this.sessions[session] as SessionStatus;
    this.transition(session, { kind: 'open-received' });
    this.transition(session, { kind: 'keepalive-received' });
    status.establishedAt = this.engine.now;
    status.errorWait = TIMERS.errorWaitMin;
    for (const side of this.spec(session).sides) this.sendAll(side);
  }

  /** Both ends drop what they learned over the session (or keep it stale, when graceful); nothing is sent over a dead session. */
  protected sessionDown(session: number, graceful: boolean): void {
    const status = this.sessions[session] as SessionStatus;
    status.generation++;
    status.establishedAt = -1;
    for (const side of this.spec(session).sides) {
      if (graceful) this.retainStale(side);
      else this.forgetAll(side);
    }
  }

  /** Closes a speaker's Established sessions without a NOTIFICATION: both ends keep the routes, stale. */
  protected closeGracefully(speaker: number): void {
    for (const n of this.neighborsOf[speaker] as number[]) {
      const session = this.neighbor(n).session;
      if ((this.sessions[session] as SessionStatus).state === 'Established')
        this.dropSession(session, 'Socket: Connection closed', true);
    }
  }

  /** Drops a session now (a local interface went down, or the peer restarted) and retries later. */
  dropSession(session: number, error: string, graceful = false): void {
    const status = this.sessions[session] as SessionStatus;
    if (status.state === 'Idle' && status.error === error) return;
    this.transition(session, { kind: 'stop', error }, graceful);
    status.generation++;
    this.transition(session, { kind: 'start' });
    this.engine.schedule(TIMERS.connectRetry, { kind: 'connect', session, generation: status.generation });
  }

  /** Whether one side's protocol is disabled (`birdc disable`). */
  neighborDisabled(neighbor: number): boolean {
    return this.disabled.has(neighbor);
  }

  /**
   * `birdc disable` / `enable` of one side. Disabling sends Cease (Administrative shutdown): both
   * ends drop what the session carried at once, with no hold timer; the disabled side stays down,
   * and the other keeps retrying, refused, until it is enabled again.
   */
  setNeighborEnabled(neighbor: number, enabled: boolean): void {
    if (this.disabled.has(neighbor) !== enabled) return;
    const { session, speaker, name } = this.neighbor(neighbor);
    const status = this.sessions[session] as SessionStatus;
    this.log(speaker, 'event', `${name} ${enabled ? 'enabled' : 'disabled'}`);
    if (enabled) this.disabled.delete(neighbor);
    else this.disabled.add(neighbor);
    this.transition(session, { kind: 'stop', error: enabled ? '' : 'Received: Administrative shutdown' });
    status.generation++;
    const initiator = this.initiator(session);
    if (this.disabled.has(initiator.index) || !this.birdRunning(initiator.speaker)) return;
    this.transition(session, { kind: 'start' });
    this.engine.schedule(enabled ? TIMERS.connectDelay : TIMERS.connectRetry, {
      kind: 'connect',
      session,
      generation: status.generation,
    });
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

  protected holdExpired(session: number): void {
    const status = this.sessions[session] as SessionStatus;
    this.transition(session, { kind: 'hold-expired' });
    status.generation++;
    this.transition(session, { kind: 'start' });
    this.engine.schedule(TIMERS.connectRetry, { kind: 'connect', session, generation: status.generation });
  }

  setLinkUp(a: string, b: string, up: boolean): void {
    this.underlay.setLinkUp(a, b, up);
    // Both ends see their interface change, as a failed or repaired link shows in their logs.
    for (const [end, other] of [
      [a, b],
      [b, a],
    ] as const) {
      const index = this.peering.byName.get(end);
      if (index !== undefined) this.log(index, 'event', `link to ${other} ${up ? 'restored' : 'failed'}`);
    }
    if (up) return;
    for (const [session, status] of this.sessions.entries()) {
      if (status.state !== 'Established' || !crosses(status.path, a, b)) continue;
      const endpoints = this.spec(session).sides.map((side) => this.speaker(this.neighbor(side).speaker).name);
      if (endpoints.includes(a) || endpoints.includes(b)) this.dropSession(session, 'Link down');
      else this.scheduleHoldExpiry(session);
    }
  }

  /** The TCP port a speaker's BIRD listens on: BGPConfiguration's listenPort on nodes, 179 on routers. */
  protected listenPort(speaker: number): number {
    return (this.peering.speakers[speaker] as Speaker).kind === 'node'
      ? this.cluster.topology.bgp.listenPort
      : BGP_PORT;
  }

  /**
   * Whether firewall rules stop every TCP connection a session could use: a connects to b's listen
   * port, or b to a's, and a rule on a port (both directions) on either end stops a connection to it.
   */
  protected firewalled(a: number, b: number): boolean {
    const onA = (this.state[a] as SpeakerState).blockedPorts;
    const onB = (this.state[b] as SpeakerState).blockedPorts;
    const toB = this.listenPort(b);
    const toA = this.listenPort(a);
    return (onA.has(toB) || onB.has(toB)) && (onA.has(toA) || onB.has(toA));
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

  /** Whether the speaker's BIRD runs: its machine is up and it is not in a graceful restart. */
  birdRunning(speaker: number): boolean {
    const state = this.state[speaker] as SpeakerState;
    return state.up && !state.restarting;
  }
}

function crosses(path: readonly string[], a: string, b: string): boolean {
  for (let i = 0; i + 1 < path.length; i++) {
    if ((path[i] === a && path[i + 1] === b) || (path[i] === b && path[i + 1] === a)) return true;
  }
  return false;
}
