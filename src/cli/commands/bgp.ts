/**
 * Routing commands: BGP sessions and routes (calicoctl node status, birdc show route), the FIB
 * (ip route), why a route is best, a summary, the timeline, and the failures a user can inject.
 */

import { join, resolve } from 'node:path';
import { DEFAULT_LOCAL_PREF, explainLosers } from '../../core/bgp/best-path.js';
import { buildPeering, neighborTowards, peerName } from '../../core/bgp/peering.js';
import { BGP_PORT } from '../../core/bgp/session.js';
import type { Simulation } from '../../core/bgp/simulate.js';
import { evaluateChecks } from '../../core/checks/index.js';
import { buildFib } from '../../core/fib/index.js';
import { type Cidr, formatCidr, formatIpv4, parseCidr, parseIpv4 } from '../../core/net/index.js';
import { Query } from '../../core/query/index.js';
import { didYouMean } from '../../core/topology/suggest.js';
import { birdConfig } from '../../io/bird.js';
import {
  birdTime,
  explainRoute,
  ipRoute,
  nodeStatus,
  sessionInfo,
  showRoute,
  summary,
  summaryData,
  timeline,
} from '../../io/format/bgp.js';
import { dispositionText } from '../../io/format/trace-words.js';
import { requireOutputDir, writeFiles } from '../../io/output.js';
import type { JournalEntry, Workspace } from '../../io/workspace.js';
import { changeWorkspace, type GlobalOptions, viewSimulation } from '../context.js';
import { CommandFailure } from '../errors.js';
import type { CliIo } from '../io.js';
import { parseAt } from './at-flag.js';
import { printObject } from './pods.js';

export interface ViewFlags {
  readonly at?: string;
  readonly output?: 'json';
}

function machine(sim: Simulation, name: string): string {
  if (sim.peering.byName.has(name)) return name;
  throw new CommandFailure(
    `Error: node or router "${name}" not found${didYouMean(name, sim.peering.byName.keys())}`,
    1,
  );
}

export function prefixArg(text: string): Cidr {
  const ip = parseIpv4(text);
  if (ip !== null) return { base: ip, len: 32 };
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new CommandFailure(`error: ${parsed.reason}`, 1);
  return parsed.value;
}

function sessionRows(sim: Simulation, name: string, epochMs: number): object[] {
  return new Query(sim).peers(name).map(({ neighbor: n, status }) => {
    return {
      name: n.name,
      peerAddress: formatIpv4(n.remoteAddress),
      peer: peerName(sim.peering, n) ?? null,
      peerType: n.type,
      state: status.state,
      since: birdTime(epochMs, status.since, sim.until),
      info: sessionInfo(sim, n),
      error: status.error || null,
      rrClient: n.rrClient,
    };
  });
}

export function bgpStatusCommand(
  io: CliIo,
  options: GlobalOptions,
  name: string | undefined,
  flags: ViewFlags,
): number {
  const { sim, moment } = viewSimulation(options, io, withAt(flags));
  const names = name === undefined ? sim.peering.speakers.map((s) => s.name) : [machine(sim, name)];
  if (flags.output === 'json') {
    printObject(
      io,
      names.map((n) => ({
        node: n,
        running: new Query(sim).birdRunning(n),
        peers: sessionRows(sim, n, moment.epochMs),
      })),
      'json',
    );
    return 0;
  }
  const sections = names.map((n) => `${name === undefined ? `${n}:\n` : ''}${nodeStatus(sim, n, moment.epochMs)}`);
  io.stdout(sections.join('\n'));
  return 0;
}

function withAt(flags: ViewFlags): { at?: number } {
  const at = parseAt(flags.at);
  return at === undefined ? {} : { at };
}

export function bgpRoutesCommand(
  io: CliIo,
  options: GlobalOptions,
  name: string,
  prefix: string | undefined,
  flags: ViewFlags & { all?: boolean },
): number {
  const { sim, moment } = viewSimulation(options, io, withAt(flags));
  const target = machine(sim, name);
  const only = prefix === undefined ? undefined : prefixArg(prefix);
  if (flags.output === 'json') {
    const routes = new Query(sim)
      .bestRoutes(target)
      .filter((route) => only === undefined || route.prefix === formatCidr(only))
      .map(({ prefix: text, entry, attrs, via }) => {
        return {
          prefix: text,
          source: entry.source,
          via: via.length === 0 ? ['local'] : via.map((n) => n.name),
          // ECMP paths in use: with ADD-PATH one neighbour of `via` may give several.
          paths: entry.paths,
          decidedBy: entry.decidedBy,
          ...(attrs
            ? {
                nextHop: formatIpv4(attrs.nextHop),
                asPath: attrs.asPath,
                localPref: attrs.localPref ?? DEFAULT_LOCAL_PREF,
                originatorId: attrs.originatorId === undefined ? null : formatIpv4(attrs.originatorId),
                clusterList: attrs.clusterList.map(formatIpv4),
              }
            : {}),
        };
      })
      .sort((a, b) => a.prefix.localeCompare(b.prefix, 'en', { numeric: true }));
    printObject(io, routes, 'json');
    return 0;
  }
  io.stdout(showRoute(sim, target, moment.epochMs, { ...(only ? { prefix: only } : {}), all: flags.all ?? false }));
  return 0;
}

export function routesCommand(io: CliIo, options: GlobalOptions, name: string, flags: ViewFlags): number {
  const { sim } = viewSimulation(options, io, withAt(flags));
  const target = machine(sim, name);
  const fib = buildFib(sim, target);
  if (fib === undefined) throw new CommandFailure(`Error: no forwarding table for "${name}"`, 1);
  if (flags.output === 'json') {
    printObject(
      io,
      fib.entries.map((e) => ({
        prefix: e.kind === 'default' ? 'default' : formatCidr(e.prefix),
        kind: e.kind,
        dev: e.dev ?? null,
        nextHops: e.nextHops.map((h) => ({ via: formatIpv4(h.via), dev: h.dev, onlink: h.onlink })),
        proto: e.proto ?? null,
        encap: e.encap ?? null,
      })),
      'json',
    );
    return 0;
  }
  io.stdout(ipRoute(fib));
  return 0;
}

export function routeExplainCommand(
  io: CliIo,
  options: GlobalOptions,
  name: string,
  prefix: string,
  flags: ViewFlags,
): number {
  const { sim } = viewSimulation(options, io, withAt(flags));
  const target = machine(sim, name);
  const cidr = prefixArg(prefix);
  if (flags.output === 'json') {
    const selection = new Query(sim).selection(target, cidr);
    const describe = (c: {
      source: string;
      neighborIndex: number;
      attrs: { nextHop: number; asPath: readonly number[] };
    }) => ({
      source: c.source,
      neighbor: c.neighborIndex < 0 ? null : new Query(sim).neighbor(c.neighborIndex).name,
      nextHop: formatIpv4(c.attrs.nextHop),
      asPath: c.attrs.asPath,
    });
    printObject(
      io,
      selection === undefined
        ? { prefix: formatCidr(cidr), candidates: [] }
        : {
            prefix: formatCidr(cidr),
            best: describe(selection.best),
            decidedBy: selection.decidedBy,
            losers: explainLosers(selection).map((l) => ({
              ...describe(l.candidate),
              rule: l.rule.id,
              comparison: l.comparison,
            })),
          },
      'json',
    );
    return 0;
  }
  io.stdout(explainRoute(sim, target, cidr));
  return 0;
}

/** `podnet check FILE`: the topology's checks, settled; exit 0 when all pass, 1 when any fails. */
export function checkCommand(io: CliIo, options: GlobalOptions, file: string, flags: { output?: 'json' }): number {
  const { sim } = viewSimulation({ ...options, topology: file }, io);
  const results = evaluateChecks(sim, sim.topology.checks, dispositionText);
  const passed = results.filter((r) => r.passed).length;
  const failed = results.length - passed;
  if (flags.output === 'json') {
    printObject(io, { file, passed, failed, results }, 'json');
  } else if (results.length === 0) {
    io.stdout(`${file} has no checks: add a checks: section to grade it\n`);
  } else {
    for (const r of results)
      io.stdout(
        r.passed ? `PASS  ${r.name}: ${r.found}\n` : `FAIL  ${r.name}: expected ${r.expected}, found ${r.found}\n`,
      );
    io.stdout(`${passed} passed, ${failed} failed\n`);
  }
  return failed === 0 ? 0 : 1;
}

/** `podnet export bird NODE`, or every machine's file into a directory with --all --dir. */
export function exportBirdCommand(
  io: CliIo,
  options: GlobalOptions,
  name: string | undefined,
  flags: { all?: boolean; dir?: string },
): number {
  if (flags.all) {
    if (flags.dir === undefined) throw new CommandFailure('error: --all needs --dir DIR', 1);
    const dir = resolve(io.cwd, flags.dir);
    requireOutputDir(io.fs, dir);
    const { sim } = viewSimulation(options, io, { at: 0 });
    const files = sim.peering.speakers.map(
      (speaker) => [`${speaker.name}.conf`, birdConfig(sim, speaker.name) as string] as const,
    );
    writeFiles(io.fs, dir, files);
    for (const [file] of files) io.stdout(`wrote ${join(flags.dir, file)}\n`);
    return 0;
  }
  const { sim } = viewSimulation(options, io, { at: 0 });
  if (name === undefined) throw new CommandFailure('error: name a node or router, or use --all --dir DIR', 1);
  io.stdout(birdConfig(sim, machine(sim, name)) as string);
  return 0;
}

export function bgpSummaryCommand(io: CliIo, options: GlobalOptions, flags: ViewFlags & { all?: boolean }): number {
  const { sim } = viewSimulation(options, io, withAt(flags));
  if (flags.output === 'json') printObject(io, summaryData(sim), 'json');
  else io.stdout(summary(sim, { all: flags.all === true }));
  return 0;
}

export function eventsCommand(io: CliIo, options: GlobalOptions, flags: ViewFlags & { node?: string }): number {
  const { sim } = viewSimulation(options, io, { ...withAt(flags), timeline: true });
  if (flags.node !== undefined) machine(sim, flags.node);
  if (flags.output === 'json') {
    printObject(io, new Query(sim).timeline(flags.node), 'json');
    return 0;
  }
  io.stdout(timeline(sim, flags.node === undefined ? {} : { speaker: flags.node }));
  return 0;
}

type Change =
  | { kind: 'link'; a: string; b: string; up: boolean }
  | { kind: 'machine'; name: string; up: boolean }
  /** A graceful restart of the machine's BIRD, down for downFor seconds. */
  | { kind: 'restart'; name: string; downFor: number }
  /** `port` undefined: the BGP port the machine listens on. */
  | { kind: 'port'; name: string; port: number | undefined; blocked: boolean }
  /** `birdc disable|enable` of a's protocol for its session with b. */
  | { kind: 'session'; a: string; b: string; up: boolean };

/** Whether a machine is running at `at`: the last of the topology's events and the journal's changes. */
function machineUp(workspace: Workspace, name: string, at: number): boolean {
  let up = true;
  for (const event of [...workspace.topology.events].sort((a, b) => a.at - b.at)) {
    if (event.at > at || (event.action !== 'node-down' && event.action !== 'node-up') || event.node !== name) continue;
    up = event.action === 'node-up';
  }
  for (const entry of workspace.state.journal)
    if (entry.op === 'machine' && entry.name === name && entry.at <= at) up = entry.up;
  return up;
}

/**
 * When the graceful restart under way at `at` brings the machine's BIRD back (the first one's end:
 * BIRD ignores a restart while it is down for one), or undefined when none is.
 */
function restartEnds(workspace: Workspace, name: string, at: number): number | undefined {
  const restarts = [
    ...workspace.topology.events.flatMap((e) => (e.action === 'node-restart' && e.node === name ? [e] : [])),
    ...workspace.state.journal.flatMap((e) => (e.op === 'restart' && e.name === name ? [e] : [])),
  ].sort((a, b) => a.at - b.at);
  let ends: number | undefined;
  for (const restart of restarts) {
    if (restart.at > at) break;
    if (ends === undefined || restart.at >= ends) ends = restart.at + restart.downFor;
  }
  return ends !== undefined && at < ends ? ends : undefined;
}

/** Records a failure or a repair in the workspace journal, at the current simulated time. */
export function changeCommand(io: CliIo, options: GlobalOptions, change: Change): number {
  return changeWorkspace(
    io,
    options,
    change.kind === 'port' ? 'block-port' : change.kind === 'restart' ? 'restart' : 'fail/restore',
    (workspace, at, say) => {
      const names = new Set([
        ...workspace.topology.nodes.map((n) => n.name),
        ...workspace.topology.routers.map((r) => r.name),
      ]);
      const check = (name: string): void => {
        if (!names.has(name))
          throw new CommandFailure(`Error: node or router "${name}" not found${didYouMean(name, names)}`, 1);
      };
      let entry: JournalEntry;
      let message: string;
      if (change.kind === 'link') {
        check(change.a);
        check(change.b);
        if (change.a === change.b)
          throw new CommandFailure(`error: a link joins two different machines; "${change.a}" was named twice`, 1);
        entry = { op: 'link', at, a: change.a, b: change.b, up: change.up };
        message = `link ${change.a} <-> ${change.b} ${change.up ? 'restored' : 'failed'}`;
      } else if (change.kind === 'machine') {
        check(change.name);
        if (machineUp(workspace, change.name, at) === change.up) {
          say(`${change.name} is already ${change.up ? 'running: nothing to restore' : 'stopped: nothing to fail'}\n`);
          return { entries: [], errors: [] };
        }
        entry = { op: 'machine', at, name: change.name, up: change.up };
        message = `${change.name} ${change.up ? 'restored' : 'stopped'}`;
      } else if (change.kind === 'restart') {
        check(change.name);
        if (!machineUp(workspace, change.name, at))
          throw new CommandFailure(
            `error: ${change.name} is stopped: restore it first, there is no BIRD to restart`,
            1,
          );
        const ends = restartEnds(workspace, change.name, at);
        if (ends !== undefined) {
          say(
            `${change.name}: BIRD is already down for a graceful restart, back at ${ends.toFixed(1)}s: nothing to restart\n`,
          );
          return { entries: [], errors: [] };
        }
        entry = { op: 'restart', at, name: change.name, downFor: change.downFor };
        const what = workspace.topology.nodes.some((n) => n.name === change.name) ? 'calico-node' : 'BIRD';
        message = `${change.name}: ${what} restarted gracefully, BIRD down for ${change.downFor}s (peers keep its routes as stale)`;
      } else if (change.kind === 'session') {
        check(change.a);
        check(change.b);
        const neighbor = neighborTowards(buildPeering(workspace.topology), change.a, change.b);
        if (neighbor === undefined)
          throw new CommandFailure(
            `error: ${change.a} has no BGP session with ${change.b} to ${change.up ? 'enable' : 'disable'}`,
            1,
          );
        entry = { op: 'session', at, a: change.a, b: change.b, up: change.up };
        message = `${change.a}: birdc ${change.up ? 'enable' : 'disable'} ${neighbor.name} (the session with ${change.b})`;
      } else {
        check(change.name);
        const isNode = workspace.topology.nodes.some((n) => n.name === change.name);
        const port = change.port ?? (isNode ? workspace.topology.bgp.listenPort : BGP_PORT);
        entry = { op: 'port', at, name: change.name, port, blocked: change.blocked };
        message = `TCP port ${port} on ${change.name} ${change.blocked ? 'blocked' : 'unblocked'}`;
      }
      say(`${message} at ${at.toFixed(1)}s simulated\n`);
      return { entries: [entry], errors: [] };
    },
  );
}
