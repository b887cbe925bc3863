/**
 * The BGP network in simulated time: every speaker's Adj-RIBs and Loc-RIB, driven by the sim
 * engine, glued from the parts BIRD also keeps apart:
 * - connections.ts: sessions over the underlay (connect, OPEN, hold timers, firewall rules);
 * - export-policy.ts: what a neighbour is sent (Calico's pool filter, split horizon, reflection,
 *   eBGP next hops) and the loop checks on receipt, with update groups;
 * - outbox.ts: changes queued per neighbour over a 5 ms window and packed into UPDATEs;
 * - graceful-restart.ts: which routes are held stale after a session closed for a graceful
 *   restart (RFC 4724, as BIRD does it), until the neighbour's End-of-RIB flushes those it did
 *   not send again, or a timeout does: the restart time the restarting side advertised, for its
 *   peers; BIRD's `graceful restart wait` (240 s) for the restarting side itself;
 * - service-routes.ts: what a node originates (its blocks, borrowed /32s, Service ranges);
 * - route-exchange.ts: best-path choice on every change, ADD-PATH (every path a peer may have
 *   goes out, path sets in path-sets.ts), and delivery between speakers, per neighbour or, for
 *   nodes that only listen, once per sender into a shared view (shared-views.ts);
 * - this file: the events that drive it, and failures and restores (machines, BIRD restarts,
 *   firewall rules).
 * Invariants: the same topology, operations and seed give the same event order and results; a
 * route is in a Loc-RIB only while its session is Established, or while it is stale. Leaves out:
 * long-lived graceful restart, the restarting side holding its exports back until recovery ends,
 * MRAI timers, communities, route flap damping, IPv6.
 */
import type { RunResult } from '../sim/index.js';
import type { NetEvent, SessionStatus, SpeakerState } from './connections.js';
import { RECOVERY_WAIT } from './graceful-restart.js';
import { RouteExchange } from './route-exchange.js';
import { TIMERS } from './session.js';

export type { RibCandidate } from './choose.js';
export type { SessionStatus, TimelineEntry } from './connections.js';
export type { LocEntry, LocRib } from './rib.js';
export type { NetworkCounters } from './route-exchange.js';

export class BgpNetwork extends RouteExchange {
  /** Speakers that stopped, with the prefixes they originated: peers may hold them stale for a while. */
  readonly stops: { readonly speaker: string; readonly at: number; readonly prefixes: readonly string[] }[] = [];
  /** Per speaker, which start of BIRD is current: a stop or a new restart makes older ones moot. */
  private readonly birdRuns: number[] = this.peering.speakers.map(() => 0);

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

  neighborsOfSpeaker(speaker: number): readonly number[] {
    return this.neighborsOf[speaker] as number[];
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
    state.restarting = false;
    this.birdRuns[speaker] = (this.birdRuns[speaker] as number) + 1;
    this.underlay.setMachineUp(this.speaker(speaker).name, up);
    if (!up) {
      for (const session of sessions) this.scheduleHoldExpiry(session);
      this.stops.push({
        speaker: this.speaker(speaker).name,
        at: this.engine.now,
        prefixes: [...state.local.keys()].map((p) => this.prefixes.text(p)),
      });
      this.clearSpeaker(speaker);
      // What it held stale from a graceful restart went with everything else.
      for (const neighbor of this.neighborsOf[speaker] as number[]) this.stale.take(neighbor);
      return;
    }
    this.startBird(speaker);
  }

  /**
   * `birdc graceful restart`, then BIRD started again with -R after `downFor` seconds: what a
   * calico-node restart does. Sessions close without a NOTIFICATION, so every peer keeps this
   * speaker's routes as stale for the restart time it advertised, and the speaker's kernel keeps
   * its routes (`persist`), so traffic keeps flowing. A stopped speaker, or one already
   * restarting, is left as it is.
   */
  restartBird(speaker: number, downFor: number): void {
    const state = this.state[speaker] as SpeakerState;
    if (!state.up || state.restarting) return;
    this.log(speaker, 'event', `BIRD stopped for a graceful restart, back in ${downFor}s`);
    state.restarting = true;
    this.closeGracefully(speaker);
    const run = (this.birdRuns[speaker] as number) + 1;
    this.birdRuns[speaker] = run;
    this.engine.schedule(downFor, {
      kind: 'external',
      apply: () => {
        if (this.birdRuns[speaker] !== run) return;
        state.restarting = false;
        this.log(speaker, 'event', 'BIRD started (graceful restart recovery)');
        this.startBird(speaker);
      },
    });
  }

  /** BIRD starts from its configuration: it originates, forgets `birdc disable`, and connects. */
  private startBird(speaker: number): void {
    this.delivery?.views.restart(speaker);
    const sessions = (this.neighborsOf[speaker] as number[]).map((n) => this.neighbor(n).session);
    this.refreshOriginations(speaker);
    for (const neighbor of this.neighborsOf[speaker] as number[]) {
      this.disabled.delete(neighbor);
      if (this.stale.has(neighbor)) this.expireStale(neighbor, RECOVERY_WAIT);
    }
    for (const session of sessions) {
      const status = this.sessions[session] as SessionStatus;
      if (status.state === 'Established') this.transition(session, { kind: 'stop', error: 'Peer restarted' });
      status.generation++;
      status.state = 'Idle';
      this.startSession(session, TIMERS.connectDelay);
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
      case 'update':
        this.arrive(event);
        return;
      case 'join':
        this.joinView(event.neighbor, event.generation);
        return;

      case 'stale-timeout': {
        if (!this.stale.isCurrent(event.neighbor, event.epoch)) return;
        const status = this.sessions[this.neighbor(event.neighbor).session] as SessionStatus;
        // A session back up flushes on End-of-RIB instead.
        if (status.state !== 'Established') this.flushStale(event.neighbor, 'graceful restart timeout');
        return;
      }
    }
  }
}
