/**
 * What conformance compares, per machine: which BGP sessions are Established, the best route per
 * pod prefix (next hop, AS path, originator, cluster list), the alternatives (which peer offered
 * what next hop), and the kernel's routes for pod prefixes (blackhole, or the set of next hops).
 * One reader builds it from podnet's simulation, another from BIRD and `ip route` in a namespace.
 * Only prefixes inside the IP pools are compared: the underlay's own routes are not the subject.
 */
import type { Simulation } from '../core/bgp/simulate.js';
import { buildFib } from '../core/fib/index.js';
import { cidrContains, formatCidr, formatIpv4, parseCidr } from '../core/net/index.js';
import { Query } from '../core/query/index.js';
import type { ClusterNode } from '../core/topology/model.js';

export interface MachineView {
  readonly sessions: Map<string, boolean>;
  readonly best: Map<string, string>;
  readonly alternatives: Map<string, string>;
  readonly kernel: Map<string, string>;
}

export const ASPECTS = ['sessions', 'best', 'alternatives', 'kernel'] as const;
export type Aspect = (typeof ASPECTS)[number];

/** Every key either side has, aspect by aspect, with both sides' values (as text) to compare. */
export function compareViews(
  predicted: MachineView,
  real: MachineView | undefined,
): { aspect: Aspect; key: string; predicted?: string; real?: string }[] {
  return ASPECTS.flatMap((aspect) =>
    [...new Set([...predicted[aspect].keys(), ...(real?.[aspect].keys() ?? [])])].sort().map((key) => {
      const p = predicted[aspect].get(key);
      const r = real?.[aspect].get(key);
      return {
        aspect,
        key,
        ...(p !== undefined ? { predicted: String(p) } : {}),
        ...(r !== undefined ? { real: String(r) } : {}),
      };
    }),
  );
}

export function emptyView(): MachineView {
  return { sessions: new Map(), best: new Map(), alternatives: new Map(), kernel: new Map() };
}

export function inPools(sim: Simulation, prefix: string): boolean {
  const parsed = parseCidr(prefix.includes('/') ? prefix : `${prefix}/32`);
  return (
    parsed.ok &&
    sim.topology.pools.some((p) => cidrContains(p.cidr, parsed.value.base) && parsed.value.len >= p.cidr.len)
  );
}

function routeText(
  nextHop: string,
  asPath: readonly (string | number)[],
  originator: string,
  clusterList: readonly string[],
): string {
  return `via ${nextHop} path [${asPath.join(' ')}]${originator === '' ? '' : ` originator ${originator}`}${clusterList.length === 0 ? '' : ` cluster-list ${clusterList.join(' ')}`}`;
}

/**
 * The one thing the comparison maps: Calico's BIRD fork installs an IPIP route as `via NODE dev
 * tunl0 onlink` (krt_tunnel), which BIRD 2 cannot. BIRD 2 resolves the same next hop as any
 * other (`gateway recursive`): itself on the node's subnet, else through the node's default
 * gateway, else nothing (unreachable). Every other route is compared as podnet has it.
 */
function withoutTunnel(node: ClusterNode, nextHop: number): number | undefined {
  if (cidrContains(node.subnet, nextHop)) return nextHop;
  return node.gateway;
}

/** What podnet predicts for a machine. */
export function predictedView(sim: Simulation, machine: string): MachineView {
  const view = emptyView();
  const query = new Query(sim);
  if (!query.isUp(machine)) return view;
  for (const { neighbor, status } of query.peers(machine))
    view.sessions.set(neighbor.name, status.state === 'Established');
  for (const prefixId of query.knownPrefixes(machine)) {
    const prefix = query.prefixText(prefixId);
    if (!inPools(sim, prefix)) continue;
    const selection = query.selectionOf(machine, prefixId);
    if (selection === undefined) continue;
    const texts = selection.ranking.map((c) => {
      if (c.source !== 'bgp') return `${c.source} local`;
      const n = query.neighbor(c.neighborIndex);
      const a = c.attrs;
      return `${n.name} ${routeText(formatIpv4(a.nextHop), a.asPath, a.originatorId === undefined ? '' : formatIpv4(a.originatorId), a.clusterList.map(formatIpv4))}`;
    });
    const winner = selection.ranking[0];
    if (winner !== undefined) view.best.set(prefix, (texts[0] as string).replace(/^\S+ /, ''));
    view.alternatives.set(
      prefix,
      texts
        .map((t) => t.split(' path ')[0])
        .sort()
        .join('; '),
    );
  }
  const node = sim.topology.nodes.find((n) => n.name === machine);
  for (const entry of buildFib(sim, machine)?.entries ?? []) {
    if (entry.proto !== 'bird' || !inPools(sim, formatCidr(entry.prefix))) continue;
    const hops = entry.nextHops.map((h) =>
      h.dev === 'tunl0' && node !== undefined ? withoutTunnel(node, h.via) : h.via,
    );
    view.kernel.set(
      formatCidr(entry.prefix),
      entry.kind === 'blackhole' || entry.kind === 'unreachable'
        ? entry.kind
        : hops.includes(undefined)
          ? 'unreachable'
          : `via ${hops
              .map((via) => formatIpv4(via as number))
              .sort()
              .join(',')}`,
    );
  }
  return view;
}

/** `birdc show protocols`: the BGP protocols and whether each is Established. */
export function parseProtocols(text: string): Map<string, boolean> {
  const sessions = new Map<string, boolean>();
  for (const line of text.split('\n')) {
    const cells = line.trim().split(/\s+/);
    if (cells[1] === 'BGP') sessions.set(cells[0] as string, /\bEstablished\b/.test(line));
  }
  return sessions;
}

interface ParsedRoute {
  prefix: string;
  protocol: string;
  primary: boolean;
  kind: string;
  nextHop: string;
  asPath: string[];
  originator: string;
  clusterList: string[];
}

/** `birdc show route all`: every route of every prefix, with its BGP attributes. */
export function parseRoutes(text: string): ParsedRoute[] {
  const routes: ParsedRoute[] = [];
  let prefix = '';
  for (const line of text.split('\n')) {
    const head = /^(\S+)?\s+(unicast|blackhole|unreachable|prohibit)\s+\[(\S+)[^\]]*\](\s\*)?/.exec(line);
    if (head !== null && !line.startsWith('\t')) {
      if (head[1] !== undefined) prefix = head[1];
      routes.push({
        prefix,
        protocol: head[3] as string,
        primary: head[4] !== undefined,
        kind: head[2] as string,
        nextHop: '',
        asPath: [],
        originator: '',
        clusterList: [],
      });
      continue;
    }
    const route = routes[routes.length - 1];
    if (route === undefined) continue;
    const attr = /^\tBGP\.(next_hop|as_path|originator_id|cluster_list):\s*(.*)$/.exec(line);
    if (attr === null) continue;
    const value = (attr[2] as string).trim();
    if (attr[1] === 'next_hop') route.nextHop = value.split(/\s+/)[0] as string;
    else if (attr[1] === 'as_path') route.asPath = value === '' ? [] : value.split(/\s+/);
    else if (attr[1] === 'originator_id') route.originator = value;
    else route.clusterList = value === '' ? [] : value.split(/\s+/);
  }
  return routes;
}

/** What BIRD and the kernel of one namespace show. */
export function observedView(sim: Simulation, protocols: string, routes: string, ipRoute: string): MachineView {
  const view = emptyView();
  for (const [name, up] of parseProtocols(protocols)) view.sessions.set(name, up);
  const byPrefix = new Map<string, ParsedRoute[]>();
  for (const route of parseRoutes(routes)) {
    if (!inPools(sim, route.prefix)) continue;
    byPrefix.set(route.prefix, [...(byPrefix.get(route.prefix) ?? []), route]);
  }
  for (const [prefix, candidates] of byPrefix) {
    const text = (r: ParsedRoute): string =>
      r.nextHop === ''
        ? `${r.protocol.startsWith('static') ? 'static' : 'kernel'} local`
        : `${r.protocol} ${routeText(r.nextHop, r.asPath, r.originator, r.clusterList)}`;
    const primary = candidates.find((r) => r.primary);
    if (primary !== undefined) view.best.set(prefix, text(primary).replace(/^\S+ /, ''));
    view.alternatives.set(
      prefix,
      candidates
        .map((r) => text(r).split(' path ')[0])
        .sort()
        .join('; '),
    );
  }
  for (const [prefix, route] of kernelRoutes(ipRoute)) if (inPools(sim, prefix)) view.kernel.set(prefix, route);
  return view;
}

/**
 * `ip route` lines BIRD installed (proto bird): blackhole, unreachable (a best route whose next
 * hop BIRD could not resolve), or the next hops, ECMP ones included.
 */
function kernelRoutes(ipRoute: string): Map<string, string> {
  const routes = new Map<string, string[] | 'blackhole' | 'unreachable'>();
  let multipath: string[] | undefined;
  for (const line of ipRoute.split('\n')) {
    const hop = /^\s+nexthop via (\S+)/.exec(line);
    if (hop !== null && multipath !== undefined) {
      multipath.push(hop[1] as string);
      continue;
    }
    multipath = undefined;
    const route = /^(?:(blackhole|unreachable) )?(\S+)(?: via (\S+))?.* proto bird\b/.exec(line);
    if (route === null) continue;
    const prefix = (route[2] as string).includes('/') ? (route[2] as string) : `${route[2]}/32`;
    const type = route[1] as 'blackhole' | 'unreachable' | undefined;
    if (type !== undefined) routes.set(prefix, type);
    else if (route[3] !== undefined) routes.set(prefix, [route[3]]);
    else {
      multipath = [];
      routes.set(prefix, multipath);
    }
  }
  return new Map(
    [...routes].map(([prefix, r]) => [prefix, typeof r === 'string' ? r : `via ${[...r].sort().join(',')}`]),
  );
}
