/**
 * Printers for BGP and forwarding state, in the layouts of the tools users know: calicoctl node
 * status, birdc show route [all], ip route; plus podnet's own explanations (route explain,
 * summary, timeline).
 */
import { ORIGIN_NAMES, ORIGIN_WORDS, type PathAttributes } from '../../core/bgp/attributes.js';
import { DEFAULT_LOCAL_PREF, explainLosers, PREFERENCE, RULES, type Selection } from '../../core/bgp/best-path.js';
import type { RibCandidate, SessionStatus } from '../../core/bgp/network.js';
import { type Neighbor, peerName } from '../../core/bgp/peering.js';
import { birdProtocolState } from '../../core/bgp/session.js';
import type { Simulation } from '../../core/bgp/simulate.js';
import { buildFib, type Fib, type FibEntry } from '../../core/fib/index.js';
import { type Cidr, formatCidr, formatIpv4 } from '../../core/net/index.js';
import { Query } from '../../core/query/index.js';
import { boxTable } from './box-table.js';

/** BIRD's time column: HH:MM:SS for changes less than 20 h old, else the date. */
export function birdTime(epochMs: number, at: number, now: number): string {
  const d = new Date(epochMs + at * 1000);
  if (now - at >= 20 * 3600) return d.toISOString().slice(0, 10);
  return d.toISOString().slice(11, 19);
}

function sessionOf(sim: Simulation, n: Neighbor): SessionStatus {
  return new Query(sim).session(n);
}

/** What one side of a session shows in INFO: the BGP state and the last error. */
export function sessionInfo(sim: Simulation, n: Neighbor): string {
  // A protocol `birdc disable` stopped shows down, with nothing to say.
  if (sim.network.neighborDisabled(n.index)) return '';
  const status = sessionOf(sim, n);
  if (status.state === 'Established') return 'Established';
  const spec = sim.peering.sessions[n.session];
  const initiator = spec?.sides[0] === n.index;
  if (!initiator) return n.passive ? 'Passive' : 'Active';
  return status.error === '' ? status.state : `${status.state} ${status.error}`;
}

export function nodeStatus(sim: Simulation, machine: string, epochMs: number): string {
  const query = new Query(sim);
  const speaker = query.speaker(machine);
  if (!query.birdRunning(machine))
    return speaker.kind === 'node' ? 'Calico process is not running.\n' : `BIRD is not running on ${machine}.\n`;
  const neighbors = query
    .peers(machine)
    .map((p) => p.neighbor)
    .sort((a, b) => a.remoteAddress - b.remoteAddress);
  const header =
    speaker.kind === 'node'
      ? 'Calico process is running.'
      : `BIRD is running on router ${machine} (AS ${speaker.asNumber}).`;
  if (neighbors.length === 0)
    return `${header}\n\nIPv4 BGP status\nNo IPv4 peers found.\n\nIPv6 BGP status\nNo IPv6 peers found.\n`;
  const rows = neighbors.map((n) => {
    const status = sessionOf(sim, n);
    return [
      formatIpv4(n.remoteAddress),
      n.type,
      birdProtocolState(status.state, !sim.network.neighborDisabled(n.index)),
      birdTime(epochMs, status.since, sim.until),
      sessionInfo(sim, n),
    ];
  });
  const table = boxTable(['peer address', 'peer type', 'state', 'since', 'info'], rows);
  return `${header}\n\nIPv4 BGP status\n${table}\n\nIPv6 BGP status\nNo IPv6 peers found.\n`;
}

function asPathInfo(attrs: PathAttributes): string {
  const origin = ORIGIN_NAMES[attrs.origin] ?? '?';
  const last = attrs.asPath.at(-1);
  return last === undefined ? `[${origin}]` : `[AS${last}${origin}]`;
}

/** What `show route` is drawn from for one machine: its simulation, clock and FIB. */
interface RouteView {
  readonly sim: Simulation;
  readonly machine: string;
  readonly query: Query;
  readonly epochMs: number;
  readonly all: boolean;
  readonly fib: Fib | undefined;
}

/**
 * The gateway BIRD shows for a BGP next hop (gateway recursive): the next hop itself on a
 * connected subnet, else the gateway of the route it resolves through.
 */
function gatewayTowards(view: RouteView, nextHop: number): { via: number; dev: string } {
  const entry = view.fib?.lookup(nextHop);
  const hop = entry?.kind === 'connected' ? undefined : entry?.nextHops[0];
  return hop === undefined ? { via: nextHop, dev: entry?.dev ?? 'eth0' } : { via: hop.via, dev: hop.dev };
}

function routeLines(view: RouteView, prefixId: number, selection: Selection<RibCandidate>): string[] {
  const { sim, machine, query, epochMs, all } = view;
  const lines: string[] = [];
  const prefix = query.prefixText(prefixId);
  const installed = query.installed(machine, prefixId);
  selection.ranking.forEach((candidate, i) => {
    // BIRD marks one best route per network; merge paths combines equal ones only in the kernel.
    const best = installed !== undefined && i === 0;
    const column = (i === 0 ? prefix : '').padEnd(18);
    let via: string;
    let proto: string;
    let at = 0;
    let info: string;
    if (candidate.source === 'static') {
      via = 'blackhole';
      proto = 'static1';
      info = `(${PREFERENCE.static})`;
    } else if (candidate.source === 'kernel') {
      const pod = sim.cluster.podByIp(query.prefix(prefixId).base);
      via = `dev ${pod?.vethName ?? 'cali'}`;
      proto = 'kernel1';
      info = `(${PREFERENCE.kernel})`;
    } else {
      const n = query.neighbor(candidate.neighborIndex);
      // BIRD shows a route whose next hop it could not resolve as unreachable, its IGP metric unknown.
      const gateway = gatewayTowards(view, candidate.attrs.nextHop);
      via = candidate.nextHopResolvable ? `via ${formatIpv4(gateway.via)} on ${gateway.dev}` : 'unreachable';
      proto = n.name;
      at = sessionOf(sim, n).establishedAt;
      // BIRD names the neighbour when the route's gateway is another address.
      const from = gateway.via !== n.remoteAddress ? ` from ${formatIpv4(n.remoteAddress)}` : '';
      proto += ` ${birdTime(epochMs, Math.max(0, at), sim.until)}${from}`;
      info = `(${PREFERENCE.bgp}/${candidate.nextHopResolvable ? candidate.igpMetric : '-'}) ${asPathInfo(candidate.attrs)}`;
    }
    if (candidate.source !== 'bgp') proto += ` ${birdTime(epochMs, at, sim.until)}`;
    lines.push(`${column} ${via} [${proto}]${best ? ' *' : ''} ${info}`);
    if (all && candidate.source === 'bgp') lines.push(...attributeLines(candidate.attrs));
    else if (all) lines.push(`\tType: ${candidate.source === 'static' ? 'static' : 'inherit'} unicast univ`);
  });
  return lines;
}

function attributeLines(attrs: PathAttributes): string[] {
  return [
    '\tType: BGP unicast univ',
    `\tBGP.origin: ${ORIGIN_WORDS[attrs.origin] ?? '?'}`,
    `\tBGP.as_path: ${attrs.asPath.join(' ')}`,
    `\tBGP.next_hop: ${formatIpv4(attrs.nextHop)}`,
    `\tBGP.local_pref: ${attrs.localPref ?? DEFAULT_LOCAL_PREF}`,
    ...(attrs.med !== undefined ? [`\tBGP.med: ${attrs.med}`] : []),
    ...(attrs.originatorId !== undefined ? [`\tBGP.originator_id: ${formatIpv4(attrs.originatorId)}`] : []),
    ...(attrs.clusterList.length > 0 ? [`\tBGP.cluster_list: ${attrs.clusterList.map(formatIpv4).join(' ')}`] : []),
  ];
}

export function showRoute(
  sim: Simulation,
  machine: string,
  epochMs: number,
  options: { prefix?: Cidr; all: boolean },
): string {
  const query = new Query(sim);
  if (!query.birdRunning(machine))
    return 'Unable to connect to server control socket (/var/run/calico/bird.ctl): Connection refused\n';
  const lines = ['BIRD v0.3.3+birdv1.6.8 ready.'];
  const view: RouteView = { sim, machine, query, epochMs, all: options.all, fib: buildFib(sim, machine) };
  for (const prefixId of query.knownPrefixes(machine, options.prefix)) {
    const selection = query.selectionOf(machine, prefixId);
    if (selection !== undefined) lines.push(...routeLines(view, prefixId, selection));
  }
  if (lines.length === 1 && options.prefix !== undefined) lines.push('Network not in table');
  return `${lines.join('\n')}\n`;
}

export function fibLine(entry: FibEntry): string {
  const prefix =
    entry.kind === 'default'
      ? 'default'
      : entry.prefix.len === 32
        ? formatIpv4(entry.prefix.base)
        : formatCidr(entry.prefix);
  const proto = entry.proto ? ` proto ${entry.proto}` : '';
  if (entry.kind === 'blackhole' || entry.kind === 'unreachable') return `${entry.kind} ${prefix}${proto}`;
  if (entry.nextHops.length > 1) {
    return [
      `${prefix}${proto}`,
      ...entry.nextHops.map(
        (h) => `\tnexthop via ${formatIpv4(h.via)} dev ${h.dev} weight 1${h.onlink ? ' onlink' : ''}`,
      ),
    ].join(' \n');
  }
  const hop = entry.nextHops[0];
  if (hop === undefined)
    return `${prefix} dev ${entry.dev ?? 'eth0'}${proto}${entry.scope ? ` scope ${entry.scope}` : ''}${entry.src !== undefined ? ` src ${formatIpv4(entry.src)}` : ''}`;
  return `${prefix} via ${formatIpv4(hop.via)} dev ${hop.dev}${proto}${hop.onlink ? ' onlink' : ''}`;
}

export function ipRoute(fib: Fib): string {
  return fib.entries.map((entry) => `${fibLine(entry)}\n`).join('');
}

function describeCandidate(sim: Simulation, c: RibCandidate): string {
  if (c.source !== 'bgp')
    return c.source === 'static'
      ? 'local static blackhole for an affine block (static1, preference 200)'
      : 'local kernel route for a borrowed address (kernel1, preference 10)';
  const n = new Query(sim).neighbor(c.neighborIndex);
  const peer = peerName(sim.peering, n) ?? formatIpv4(n.remoteAddress);
  const a = c.attrs;
  return [
    `via ${formatIpv4(a.nextHop)} from ${peer} (${n.name}, ${c.ebgp ? 'eBGP' : 'iBGP'})`,
    `AS path ${a.asPath.length === 0 ? '(empty)' : a.asPath.join(' ')}`,
    `origin ${ORIGIN_WORDS[a.origin] ?? '?'}`,
    `local-pref ${a.localPref ?? DEFAULT_LOCAL_PREF}`,
    ...(a.originatorId !== undefined ? [`originator ${formatIpv4(a.originatorId)}`] : []),
    ...(a.clusterList.length > 0 ? [`cluster list ${a.clusterList.map(formatIpv4).join(' ')}`] : []),
    `IGP metric ${c.igpMetric}`,
  ].join(', ');
}

export function explainRoute(sim: Simulation, machine: string, prefix: Cidr): string {
  const query = new Query(sim);
  const selection = query.selection(machine, prefix);
  if (selection === undefined)
    return `${formatCidr(prefix)} on ${machine}: no route (nothing announced it to ${machine}, or it was filtered)\n`;
  const count = selection.ranking.length;
  const lines = [`${formatCidr(prefix)} on ${machine}: ${count} candidate${count === 1 ? '' : 's'}`];
  lines.push(`  best   ${describeCandidate(sim, selection.best)}`);
  if (!selection.best.nextHopResolvable)
    lines.push(
      `         installed as unreachable: BIRD cannot resolve its next hop ${formatIpv4(selection.best.attrs.nextHop)} (not on a subnet of ${machine}, and no default route)`,
    );
  const losers = explainLosers(selection);
  for (const loser of losers) {
    const ecmp = selection.ecmp.includes(loser.candidate);
    lines.push(`  ${ecmp ? 'ecmp ' : 'lost '}  ${describeCandidate(sim, loser.candidate)}`);
    lines.push(
      ecmp
        ? `         equal to the best down to igp-metric: installed as an ECMP next hop (merge paths on); ordered by ${loser.comparison}`
        : `         eliminated by ${loser.comparison} (${loser.rule.cite})`,
    );
  }
  const rule = RULES.find((r) => r.id === selection.decidedBy);
  lines.push(
    selection.decidedBy === 'only-route'
      ? 'Decided by: only route'
      : selection.decidedBy === 'equal-paths'
        ? 'Decided by: equal-paths (no rule tells the two apart: with ADD-PATH one peer sent both; the one held first stays best, as in BIRD)'
        : `Decided by: ${selection.decidedBy}${rule ? ` (${rule.cite})` : ''}`,
  );
  return `${lines.join('\n')}\n`;
}

export interface SummaryData {
  readonly sessions: {
    readonly total: number;
    readonly established: number;
    readonly byType: Readonly<Record<string, number>>;
  };
  readonly updates: number;
  readonly withdraws: number;
  readonly routes: number;
  readonly routesPerSpeaker: Readonly<Record<string, number>>;
  readonly lastRouteChange: number;
  readonly at: number;
}

export function summaryData(sim: Simulation): SummaryData {
  const query = new Query(sim);
  const byType: Record<string, number> = {};
  let established = 0;
  for (const spec of sim.peering.sessions) {
    const first = query.neighbor(spec.sides[0] as number);
    byType[first.type] = (byType[first.type] ?? 0) + 1;
    if (query.sessionByIndex(spec.index).state === 'Established') established++;
  }
  const routesPerSpeaker: Record<string, number> = {};
  let routes = 0;
  for (const speaker of sim.peering.speakers) {
    const count = query.routeCount(speaker.name);
    routesPerSpeaker[speaker.name] = count;
    routes += count;
  }
  return {
    sessions: { total: sim.peering.sessions.length, established, byType },
    updates: query.counters.updates,
    withdraws: query.counters.withdraws,
    routes,
    routesPerSpeaker,
    lastRouteChange: query.counters.lastRouteChange,
    at: sim.until,
  };
}

/** Past this many machines, the summary gives the spread of routes per machine rather than a line each. */
export const SUMMARY_LIST_LIMIT = 20;

export function summary(sim: Simulation, options: { all?: boolean } = {}): string {
  const data = summaryData(sim);
  const counts = Object.values(data.routesPerSpeaker).sort((a, b) => a - b);
  const listed = options.all === true || counts.length <= SUMMARY_LIST_LIMIT;
  const types = Object.entries(data.sessions.byType)
    .map(([type, n]) => `${type} ${n}`)
    .join(', ');
  const width = Math.max(...Object.keys(data.routesPerSpeaker).map((n) => n.length));
  return [
    `Cluster ${sim.topology.name} at ${data.at.toFixed(1)}s simulated`,
    `Sessions: ${data.sessions.established}/${data.sessions.total} established${types ? ` (${types})` : ''}`,
    `Messages sent: ${data.updates} UPDATE, ${data.withdraws} WITHDRAW`,
    `Routes in Loc-RIBs: ${data.routes}`,
    ...(listed
      ? Object.entries(data.routesPerSpeaker).map(([name, n]) => `  ${name.padEnd(width)}  ${n}`)
      : [
          `  per machine: min ${counts[0]}, median ${counts[Math.floor(counts.length / 2)]}, max ${counts[counts.length - 1]} over ${counts.length} machines (--all lists each)`,
        ]),
    `Converged: routes last changed at ${data.lastRouteChange.toFixed(3)}s`,
    '',
  ].join('\n');
}

export function timeline(sim: Simulation, filter: { speaker?: string }): string {
  const entries = new Query(sim).timeline(filter.speaker);
  const width = Math.max(4, ...entries.map((e) => e.speaker.length));
  const lines = entries.map(
    (e) =>
      `${e.at.toFixed(3).padStart(10)}s  ${e.speaker.padEnd(width)}  ${e.kind.padEnd(7)}  ${e.prefix !== undefined ? `${e.prefix} ${e.text}` : e.text}\n`,
  );
  const holes = blackHoles(sim).filter((h) => filter.speaker === undefined || h.holder === filter.speaker);
  if (holes.length === 0) return lines.join('');
  const described = holes.map(
    (h) =>
      `  ${h.prefix} (${h.origin}'s) on ${h.holder}: ${h.from.toFixed(1)}s to ${h.to === undefined ? 'now' : `${h.to.toFixed(1)}s`} (${((h.to ?? sim.until) - h.from).toFixed(1)}s)\n`,
  );
  return `${lines.join('')}\nUnreachable meanwhile: routes still pointing at a stopped node, until the hold timer withdrew them\n${described.join('')}`;
}

export interface BlackHole {
  readonly prefix: string;
  readonly origin: string;
  readonly holder: string;
  readonly from: number;
  readonly to?: number;
}

/** For each stopped speaker: who kept its prefixes, from the stop until they were withdrawn. */
export function blackHoles(sim: Simulation): BlackHole[] {
  const holes: BlackHole[] = [];
  const query = new Query(sim);
  const timeline = query.timeline();
  for (const stop of query.stops) {
    for (const prefix of stop.prefixes) {
      const holders = new Set(
        timeline
          .filter((e) => e.prefix === prefix && e.at <= stop.at && e.speaker !== stop.speaker)
          .map((e) => e.speaker),
      );
      for (const holder of [...holders].sort()) {
        const end = timeline.find(
          (e) => e.speaker === holder && e.prefix === prefix && e.at >= stop.at && e.kind === 'route',
        );
        holes.push({ prefix, origin: stop.speaker, holder, from: stop.at, ...(end ? { to: end.at } : {}) });
      }
    }
  }
  return holes;
}
