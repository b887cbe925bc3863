/**
 * What differs between two simulations: two designs of one cluster (mesh vs reflectors), or one
 * cluster before and after an event. Each side is reduced to keyed facts a user reads elsewhere
 * (machines, sessions as `bgp status` names them, best routes as next hop and AS path, `ip route`
 * lines, Services and their ready endpoints, trace dispositions between pods); the diff lists the keys whose facts differ.
 * Left out on purpose: timers, message counts, ages, and which peer a route was learned from
 * (that follows from the sessions, which are compared), so a change of design shows only what
 * changed.
 */
import { peerName } from '../core/bgp/peering.js';
import type { Simulation } from '../core/bgp/simulate.js';
import { buildFib } from '../core/fib/index.js';
import { formatCidr, formatIpv4 } from '../core/net/index.js';
import { addressedPods, Query, reachMatrix } from '../core/query/index.js';
import { fnv1a } from '../core/topology/names.js';
import { fibLine } from './format/bgp.js';
import { policyName } from './format/policy-words.js';
import { clusterIpText, serviceEndpoints } from './format/services.js';

export const SECTIONS = ['machines', 'sessions', 'routes', 'fib', 'services', 'policies', 'reachability'] as const;
export type Section = (typeof SECTIONS)[number];

/**
 * Every pair of pods is walked (disposition only), which is quadratic: beyond this many pods with
 * addresses on either side, reachability is left out of both. 300 pods are 89,700 pairs a side,
 * about a second each.
 */
export const REACH_POD_LIMIT = 300;

/** Whether reachability is compared: both sides at most REACH_POD_LIMIT pods with addresses. */
export function reachabilityCompared(...sims: readonly Simulation[]): boolean {
  return sims.every((sim) => addressedPods(sim).length <= REACH_POD_LIMIT);
}

export interface Difference {
  readonly key: string;
  readonly a?: string;
  readonly b?: string;
}

export type Facts = Readonly<Record<Section, ReadonlyMap<string, string>>>;

function machines(sim: Simulation): Map<string, string> {
  return new Map(
    sim.peering.speakers.map((s) => [
      s.name,
      `${s.kind} AS${s.asNumber}${sim.underlay.isUp(s.name) ? '' : ' (stopped)'}`,
    ]),
  );
}

function sessions(sim: Simulation): Map<string, string> {
  const facts = new Map<string, string>();
  for (const spec of sim.peering.sessions) {
    const sides = spec.sides.map((i) => sim.peering.neighbors[i] as (typeof sim.peering.neighbors)[number]);
    const first = sides[0] as (typeof sides)[number];
    const ends = [
      sim.peering.speakers[first.speaker]?.name as string,
      peerName(sim.peering, first) ?? formatIpv4(first.remoteAddress),
    ];
    const reflectors = sides.filter((n) => n.rrClient).map((n) => sim.peering.speakers[n.speaker]?.name);
    const type =
      reflectors.length === 0
        ? first.type
        : reflectors.length === 2
          ? 'rr client both ways'
          : `rr client of ${reflectors[0]}`;
    facts.set(ends.sort().join(' -- '), `${type}, ${new Query(sim).sessionByIndex(spec.index).state}`);
  }
  return facts;
}

function routes(sim: Simulation): Map<string, string> {
  const facts = new Map<string, string>();
  for (const speaker of sim.peering.speakers) {
    for (const { prefix, entry, attrs } of new Query(sim).bestRoutes(speaker.name)) {
      if (attrs === undefined) facts.set(`${speaker.name} ${prefix}`, `local ${entry.source}`);
      else {
        facts.set(
          `${speaker.name} ${prefix}`,
          `via ${formatIpv4(attrs.nextHop)}${entry.paths > 1 ? ` (+${entry.paths - 1} ECMP)` : ''} [${attrs.asPath.length === 0 ? 'i' : `AS${attrs.asPath.join(' ')}`}]`,
        );
      }
    }
  }
  return facts;
}

function fib(sim: Simulation): Map<string, string> {
  const facts = new Map<string, string>();
  for (const speaker of sim.peering.speakers) {
    for (const entry of buildFib(sim, speaker.name)?.entries ?? []) {
      const line = fibLine(entry);
      // Keyed by destination so a changed next hop reads as one change, not a removal and an addition.
      facts.set(`${speaker.name} ${entry.kind === 'default' ? 'default' : formatCidr(entry.prefix)}`, line);
    }
  }
  return facts;
}

function reachability(sim: Simulation): Map<string, string> {
  const facts = new Map<string, string>();
  const pods = addressedPods(sim);
  for (const cell of reachMatrix(sim, pods, pods).flat()) {
    if (cell === undefined) continue;
    const outcome = [
      ...new Set(cell.dispositions.map((d) => (d.kind === 'ACCEPTED' ? 'ACCEPTED' : `${d.kind} at ${d.at}`))),
    ].join(', ');
    const { src, dst } = cell;
    facts.set(
      `${src.spec.namespace}/${src.spec.name} -> ${dst.spec.namespace}/${dst.spec.name}:${cell.flow.port}`,
      outcome,
    );
  }
  return facts;
}

/** Each Service as `get svc` and `get endpoints` show it: type, ClusterIP, ports, ready endpoints. */
function services(sim: Simulation): Map<string, string> {
  return new Map(
    sim.cluster.services.list().map((record) => {
      const ready = serviceEndpoints(sim.cluster, record, sim.until)
        .filter((e) => e.ready)
        .map((e) => `${formatIpv4(e.ip)}:${e.port}`);
      const ports = record.spec.ports
        .map((p, i) => `${p.port}${record.nodePorts[i] === undefined ? '' : `:${record.nodePorts[i]}`}/${p.protocol}`)
        .join(',');
      return [
        `${record.spec.namespace}/${record.spec.name}`,
        `${record.spec.type} ${clusterIpText(record)} ${ports} endpoints ${ready.length === 0 ? '<none>' : ready.join(',')}`,
      ];
    }),
  );
}

/** Each policy: its place in Felix's order, what it selects, its rules (counted, and a digest of them). */
function policies(sim: Simulation): Map<string, string> {
  const count = (n: number, what: string) => `${n} ${what} rule${n === 1 ? '' : 's'}`;
  return new Map(
    sim.cluster.policies.ordered().map((p) => {
      const rules = JSON.stringify([p.ingress, p.egress]);
      return [
        policyName(p),
        `tier ${p.tier}, order ${p.order ?? 'none'}, selects ${p.selector.text || 'all()'}, ${p.types.join('+')}, ${count(p.ingress.length, 'ingress')}, ${count(p.egress.length, 'egress')} (rules ${fnv1a(rules).toString(16)})`,
      ];
    }),
  );
}

/** Everything diff compares; reachability only when asked (see reachabilityCompared). */
export function factsOf(sim: Simulation, withReachability: boolean): Facts {
  return {
    machines: machines(sim),
    sessions: sessions(sim),
    routes: routes(sim),
    fib: fib(sim),
    services: services(sim),
    policies: policies(sim),
    reachability: withReachability ? reachability(sim) : new Map(),
  };
}

/**
 * The differences, section by section. Routes and FIB entries of a machine that exists on one
 * side only are not listed: the machine itself is, once.
 */
export function diffFacts(a: Facts, b: Facts): Record<Section, Difference[]> {
  const onlyOneSide = new Set(
    [...a.machines.keys(), ...b.machines.keys()].filter((m) => a.machines.has(m) !== b.machines.has(m)),
  );
  const result = {} as Record<Section, Difference[]>;
  for (const section of SECTIONS) {
    const keys = [...new Set([...a[section].keys(), ...b[section].keys()])].sort(compareKeys);
    const perMachine = section === 'routes' || section === 'fib';
    result[section] = keys
      .filter((key) => a[section].get(key) !== b[section].get(key))
      .filter((key) => !perMachine || !onlyOneSide.has(key.split(' ')[0] as string))
      .map((key) => ({
        key,
        ...(a[section].has(key) ? { a: a[section].get(key) as string } : {}),
        ...(b[section].has(key) ? { b: b[section].get(key) as string } : {}),
      }));
  }
  return result;
}

/** Natural order, so node-2 sorts before node-10 and 10.0.0.9 before 10.0.0.10. */
function compareKeys(x: string, y: string): number {
  return x.localeCompare(y, 'en', { numeric: true });
}
