/**
 * checks: a topology's `checks:` evaluated against the simulation, for grading. Each check says
 * what was expected and what was found, so a failed one tells a student what to look at.
 * Invariants: reads the simulation, never changes it; the same inputs give the same verdicts.
 */

import { assertNever } from '../assert.js';
import { peerName } from '../bgp/peering.js';
import type { Simulation } from '../bgp/simulate.js';
import type { PodRecord } from '../cluster/index.js';
import { buildFib } from '../fib/index.js';
import { cidrSize, formatCidr, formatIpv4 } from '../net/index.js';
import { Query } from '../query/index.js';
import { defaultPort, type NamedCheck } from '../topology/model.js';
import { LOCALHOST, resolveDestination } from '../trace/endpoints.js';
import { type Disposition, type Flow, Tracer } from '../trace/index.js';
import { evaluateClusterCheck } from './cluster-checks.js';
import { policyCheck } from './policy-check.js';

export interface CheckResult {
  readonly name: string;
  readonly check: NamedCheck['check'];
  readonly passed: boolean;
  readonly expected: string;
  readonly found: string;
}

function podNamed(sim: Simulation, text: string): PodRecord | undefined {
  const [namespace, name] = text.includes('/') ? (text.split('/') as [string, string]) : ['default', text];
  return sim.cluster.pod(namespace, name);
}

function result(check: NamedCheck, expected: string, found: string, passed = expected === found): CheckResult {
  return { name: check.name, check: check.check, passed, expected, found };
}

/** The flow a check's `from`, `to` and `port` name, as `trace` would send it; or why there is none. */
export function checkFlow(
  sim: Simulation,
  check: { readonly from: string; readonly to: string; readonly port?: number },
): { ok: true; flow: Flow; port: number } | { ok: false; why: string } {
  const src = podNamed(sim, check.from);
  if (src?.podIp === undefined) return { ok: false, why: `pod ${check.from} has no address` };
  // The destination as trace names it: a pod, a Service or DNS name, an address, or localhost.
  const resolved = resolveDestination(sim, check.to, src.spec.namespace);
  if (!resolved.ok) return { ok: false, why: `${check.to} is not a pod, Service, name, address or localhost` };
  const to = resolved.value;
  const port =
    check.port ?? to.port ?? to.defaultPort ?? (to.pod === undefined || to.loopback ? 80 : defaultPort(to.pod.spec));
  const flow: Flow = {
    srcPod: `${src.spec.namespace}/${src.spec.name}`,
    src: to.loopback ? LOCALHOST : src.podIp,
    dst: to.loopback ? LOCALHOST : to.ip,
    protocol: 'TCP',
    port: to.loopback && check.port === undefined ? defaultPort(src.spec) : port,
    loopback: to.loopback,
    ...(to.lookup !== undefined ? { lookup: to.lookup } : {}),
  };
  return { ok: true, flow, port };
}

function reach(
  sim: Simulation,
  check: Extract<NamedCheck, { check: 'reach' }>,
  tracer: Tracer,
  words: DispositionWords,
): CheckResult {
  const sent = checkFlow(sim, check);
  if (!sent.ok) return result(check, check.expect, sent.why, false);
  const { flow, port } = sent;
  const dispositions = tracer.dispositions(flow);
  // Every branch (ECMP forks) must end as the check expects.
  const kinds = [...new Set(dispositions.map((d) => d.kind))];
  const detail = dispositions.map((d) => `${d.kind} at ${d.at}: ${words(d)}`).join('; ');
  return result(
    check,
    `${check.expect} on ${port}/TCP`,
    kinds.length === 1 && kinds[0] === check.expect ? `${check.expect} on ${port}/TCP` : detail,
  );
}

function peers(sim: Simulation, check: Extract<NamedCheck, { check: 'peers' }>): CheckResult {
  const established = new Query(sim).established(check.node);
  return result(check, `${check.established} established peers`, `${established.length} established peers`);
}

function best(sim: Simulation, check: Extract<NamedCheck, { check: 'best' }>): CheckResult {
  const route = new Query(sim).bestRoute(check.node, check.prefix);
  const expected =
    [
      check.via !== undefined ? `via ${formatIpv4(check.via)}` : '',
      check.from !== undefined ? `from ${check.from}` : '',
    ]
      .filter(Boolean)
      .join(' ') || 'a best route';
  if (route === undefined)
    return result(
      check,
      `${formatCidr(check.prefix)} ${expected}`,
      `${check.node} has no route for ${formatCidr(check.prefix)}`,
      false,
    );
  const neighbor = route.via[0];
  const from =
    neighbor === undefined ? 'local' : (peerName(sim.peering, neighbor) ?? formatIpv4(neighbor.remoteAddress));
  const nextHop = route.attrs !== undefined ? formatIpv4(route.attrs.nextHop) : 'local';
  const found =
    [check.via !== undefined ? `via ${nextHop}` : '', check.from !== undefined ? `from ${from}` : '']
      .filter(Boolean)
      .join(' ') || 'a best route';
  return result(check, `${formatCidr(check.prefix)} ${expected}`, `${formatCidr(check.prefix)} ${found}`);
}

function noRoute(sim: Simulation, check: Extract<NamedCheck, { check: 'no-route' }>): CheckResult {
  const machines = check.nodes ?? sim.peering.speakers.map((s) => s.name);
  const holders = machines.flatMap((machine) => {
    const entry = buildFib(sim, machine)?.lookup(check.to);
    return entry === undefined || entry.kind === 'default'
      ? []
      : [
          `${machine} (${entry.kind === 'blackhole' || entry.kind === 'unreachable' ? `${entry.kind} ` : ''}${formatCidr(entry.prefix)})`,
        ];
  });
  return result(
    check,
    `no route to ${formatIpv4(check.to)}`,
    holders.length === 0 ? `no route to ${formatIpv4(check.to)}` : `routes on ${holders.join(', ')}`,
  );
}

function freeBlocks(sim: Simulation, check: Extract<NamedCheck, { check: 'free-blocks' }>): CheckResult {
  const pool = sim.topology.pools.find((p) => p.name === check.pool);
  if (pool === undefined) return result(check, `at least ${check.atLeast} free blocks`, `no pool ${check.pool}`, false);
  const free = cidrSize(pool.cidr) / 2 ** (32 - pool.blockSize) - sim.cluster.ipam.poolBlocks(pool).length;
  return result(check, `at least ${check.atLeast} free blocks`, `${free} free blocks`, free >= check.atLeast);
}

function converged(sim: Simulation, check: Extract<NamedCheck, { check: 'converged' }>): CheckResult {
  const lastEvent = sim.topology.events.reduce((latest, e) => Math.max(latest, e.at), 0);
  const took = new Query(sim).counters.lastRouteChange - lastEvent;
  return result(
    check,
    `routes settle within ${check.within}s of the last event (at ${lastEvent}s)`,
    `routes settled ${took.toFixed(3)}s after it`,
    took <= check.within,
  );
}

/** How a disposition is said in a check's "found" (the io layer's words; the core writes no prose). */
export type DispositionWords = (disposition: Disposition) => string;

export function evaluateChecks(sim: Simulation, checks: readonly NamedCheck[], words: DispositionWords): CheckResult[] {
  const tracer = new Tracer(sim, sim.until);
  return checks.map((check) => {
    switch (check.check) {
      case 'reach':
        return reach(sim, check, tracer, words);
      case 'policy':
        return policyCheck(sim, check, tracer);
      case 'peers':
        return peers(sim, check);
      case 'best':
        return best(sim, check);
      case 'no-route':
        return noRoute(sim, check);
      case 'free-blocks':
        return freeBlocks(sim, check);
      case 'converged':
        return converged(sim, check);
      case 'pods':
      case 'replicas':
      case 'node':
      case 'endpoints':
        return evaluateClusterCheck(sim, check);
      default:
        return assertNever(check, 'check kind');
    }
  });
}
