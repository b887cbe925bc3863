/**
 * Export and import policy, as Calico's BIRD config and BGP's rules decide them, and the update
 * groups that let a changed route be exported once per group rather than once per neighbour.
 *
 * - Export: confd's pool filter (only prefixes inside an exporting pool leave a node); iBGP split
 *   horizon unless one side is an rr client; reflection sets ORIGINATOR_ID, prepends the
 *   CLUSTER_LIST and keeps the next hop; eBGP prepends the AS and sets next hop self, except
 *   between two direct sessions on one interface (a third-party next hop, RFC 4271 5.1.3); a
 *   node's sessions are all multihop, as Calico's template makes them. Per-peering next hop
 *   self, keep and self-for-eBGP-routes as BIRD has them.
 * - Import: the loop checks on receipt (own AS in the path, own router ID as originator, own
 *   cluster ID in the cluster list).
 * - Update groups: neighbours whose exports depend on nothing but the route share an export
 *   class; per class the export of (attribute set, neighbour it came from) is remembered.
 * Invariant: the attribute set a neighbour is sent depends only on its class, the route's
 * attribute set and where the route came from. Leaves out: communities, MED rewriting, MRAI.
 */
import { type Cidr, cidrContains } from '../net/index.js';
import { type AttributeTable, OriginatedAttributes, type PathAttributes, type PrefixTable } from './attributes.js';
import type { PathSets } from './path-sets.js';
import { type Neighbor, type Peering, peerRouterId, type Speaker } from './peering.js';
import { BGP, type StoredRoute } from './rib.js';

/** No route: a withdrawal, or nothing to send. */
export const NO_ROUTE = -1;
/** No neighbour: nothing is held back by split horizon (a local route's neighbour is -1). */
const NOBODY = -2;

export class ExportPolicy {
  private readonly poolCidrs: { cidr: Cidr; bgp: boolean }[];
  /** Caches for the export hot path: whether a prefix may leave a node, and originated attribute sets. */
  private readonly exportable = new Map<number, boolean>();
  private readonly originated: OriginatedAttributes;
  /**
   * Update groups: neighbours of a speaker that get the same attributes for every route share an
   * export class. The scratch arrays hold one change's result per class, valid while the stamp
   * matches.
   */
  private readonly exportClass: Int32Array;
  private readonly classStamp: Int32Array;
  /** Per class, the export of the route before (slot 2c) and after (2c + 1) the change. */
  private readonly classAttrs: Int32Array;
  private stamp = 0;
  /** Per export class: (attribute set, neighbour it came from) → what the class is sent. */
  private readonly exportMemo: Map<number, number>[] = [];
  private readonly scratch: number[] = [];

  constructor(
    private readonly peering: Peering,
    private readonly prefixes: PrefixTable,
    private readonly attributes: AttributeTable,
    pools: readonly { readonly cidr: Cidr; readonly disableBGPExport: boolean; readonly vxlanMode: string }[],
    /** Service ranges a node advertises (serviceClusterIPs, serviceExternalIPs). */
    private readonly serviceRanges: readonly Cidr[],
    private readonly paths: PathSets,
  ) {
    this.originated = new OriginatedAttributes(attributes);
    this.poolCidrs = pools.map((pool) => ({
      cidr: pool.cidr,
      bgp: !pool.disableBGPExport && pool.vxlanMode === 'Never',
    }));
    this.exportClass = exportClasses(peering);
    const classes = this.exportClass.reduce((max, c) => Math.max(max, c + 1), 0);
    this.classStamp = new Int32Array(classes * 2).fill(-1);
    this.classAttrs = new Int32Array(classes * 2);
  }

  /** Starts a new change: grouped exports computed for the last one no longer apply. */
  nextChange(): void {
    this.stamp++;
  }

  /**
   * What a speaker sends a neighbour for a prefix whose candidates are `list` (flat [neighbour,
   * attrs] pairs, -1 and a source code for a local route) and whose best route is `best`: over
   * ADD-PATH, every candidate's export but those the neighbour itself sent, as a path set
   * (PathSets); otherwise the best route's export; or NO_ROUTE. Grouped: computed once per export
   * class and change (slot 0 before, 1 after) unless the neighbour is one of the sources. Without
   * split horizon: the class's export, as a shared reflector view holds it (shared-views.ts).
   */
  exportPaths(
    n: Neighbor,
    prefix: number,
    list: readonly number[],
    best: StoredRoute | undefined,
    grouped: boolean,
    slot = 0,
    splitHorizon = true,
  ): number {
    if (!grouped || (splitHorizon && this.sentBy(n, list, best))) return this.exportTo(n, prefix, list, best, n.index);
    const key = (this.exportClass[n.index] as number) * 2 + slot;
    if (this.classStamp[key] !== this.stamp) {
      this.classAttrs[key] = this.exportTo(n, prefix, list, best, NOBODY);
      this.classStamp[key] = this.stamp;
    }
    return this.classAttrs[key] as number;
  }

  /** Whether the neighbour sent what it would be sent (its class's export does not apply to it). */
  private sentBy(n: Neighbor, list: readonly number[], best: StoredRoute | undefined): boolean {
    if (!n.addPath) return best?.source === BGP && best.via[0] === n.index;
    for (let i = 0; i < list.length; i += 2) if (list[i] === n.index) return true;
    return false;
  }

  /** The export to n's class, but nothing `exclude` sent (split horizon; NOBODY: none). */
  private exportTo(
    n: Neighbor,
    prefix: number,
    list: readonly number[],
    best: StoredRoute | undefined,
    exclude: number,
  ): number {
    return n.addPath ? this.pathsFor(n, prefix, list, exclude) : this.bestFor(n, prefix, best, exclude);
  }

  /** Without ADD-PATH: the best route's export, unless `exclude` sent it. */
  private bestFor(n: Neighbor, prefix: number, route: StoredRoute | undefined, exclude: number): number {
    if (route === undefined) return NO_ROUTE;
    const from = route.source === BGP ? (this.peering.neighbors[route.via[0] as number] as Neighbor) : undefined;
    return from !== undefined && from.index === exclude ? NO_ROUTE : this.exportForClass(n, prefix, route.attrs, from);
  }

  /** Over ADD-PATH: every candidate's export but those `exclude` sent, as a path set. */
  private pathsFor(n: Neighbor, prefix: number, list: readonly number[], exclude: number): number {
    if (list.length === 0) return NO_ROUTE;
    if (list.length === 2)
      return list[0] === exclude ? NO_ROUTE : this.exportCandidate(n, prefix, list[0] as number, list[1] as number);
    const exports = this.scratch;
    exports.length = 0;
    for (let i = 0; i < list.length; i += 2) {
      if (list[i] === exclude) continue;
      const attrs = this.exportCandidate(n, prefix, list[i] as number, list[i + 1] as number);
      if (attrs !== NO_ROUTE) exports.push(attrs);
    }
    return this.paths.encode(exports);
  }

  /** One candidate's export to n's class: from a neighbour, or local (neighbour -1). */
  private exportCandidate(n: Neighbor, prefix: number, neighbor: number, value: number): number {
    const from = neighbor === NO_ROUTE ? undefined : (this.peering.neighbors[neighbor] as Neighbor);
    return this.exportForClass(n, prefix, from === undefined ? NO_ROUTE : value, from);
  }

  /** The paths of an UPDATE a speaker accepts (one attribute set or a path set): those its loop checks let through. */
  acceptedPaths(s: Speaker, n: Neighbor, value: number): number {
    if (value >= 0) return this.accepts(s, n, value) ? value : NO_ROUTE;
    const count = this.paths.count(value);
    let accepted = 0;
    for (let i = 0; i < count; i++) if (this.accepts(s, n, this.paths.member(value, i))) accepted++;
    if (accepted === count) return value;
    const kept = this.scratch;
    kept.length = 0;
    for (let i = 0; i < count; i++) {
      const attrs = this.paths.member(value, i);
      if (this.accepts(s, n, attrs)) kept.push(attrs);
    }
    return this.paths.encode(kept);
  }

  /** A neighbour's export class: neighbours of one class are sent the same for every route. */
  exportClassOf(neighbor: number): number {
    return this.exportClass[neighbor] as number;
  }

  /** Whether a candidate list holds a path an iBGP peer that is not an rr client may be sent. */
  reexportable(s: Speaker, list: readonly number[]): boolean {
    for (let i = 0; i < list.length; i += 2) {
      const from = list[i] as number;
      if (from === NO_ROUTE) return true;
      const n = this.peering.neighbors[from] as Neighbor;
      if (n.rrClient || n.remoteAs !== s.asNumber) return true;
    }
    return false;
  }

  /**
   * Loop checks on receipt: own router ID as ORIGINATOR_ID; over eBGP, own AS in the path; from an
   * rr client, own cluster ID in the CLUSTER_LIST. The first is read from the table's array, so a
   * client's receipt touches no attribute object.
   */
  private accepts(s: Speaker, n: Neighbor, attrsId: number): boolean {
    if (this.attributes.originatorOf(attrsId) === s.routerId) return false;
    const ebgp = n.remoteAs !== s.asNumber;
    const fromClient = s.clusterId !== undefined && n.rrClient;
    if (!ebgp && !fromClient) return true;
    const attrs = this.attributes.get(attrsId);
    if (ebgp && attrs.asPath.includes(s.asNumber)) return false;
    return !(fromClient && attrs.clusterList.includes(s.clusterId as number));
  }

  /**
   * The export of a route to any neighbour of n's class: everything but split horizon. Past
   * Calico's pool filter it depends only on the class, the attribute set and the neighbour the
   * route came from, so it is remembered per class: a reflector's full-table dump to each client
   * that comes up is then a lookup per route, not a new attribute set to build and intern.
   */
  private exportForClass(n: Neighbor, prefix: number, attrsId: number, from: Neighbor | undefined): number {
    if ((this.peering.speakers[n.speaker] as Speaker).kind === 'node' && !this.exportedByCalico(prefix))
      return NO_ROUTE;
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
    const s = this.peering.speakers[n.speaker] as Speaker;
    const ibgpOut = n.remoteAs === s.asNumber;
    const ibgpIn = from !== undefined && from.remoteAs === s.asNumber;
    if (ibgpIn && ibgpOut && !from.rrClient && !n.rrClient) return NO_ROUTE;
    if (from === undefined) return this.originated.get(n.localAddress, ibgpOut ? undefined : s.asNumber);
    const learned: PathAttributes = this.attributes.get(attrsId);
    if (!ibgpOut) {
      return this.attributes.intern({
        nextHop: this.keepsNextHopOverEbgp(s, n, from) ? learned.nextHop : n.localAddress,
        asPath: [s.asNumber, ...learned.asPath],
        origin: learned.origin,
        clusterList: [],
      });
    }
    const reflecting = ibgpIn;
    const clusterList =
      reflecting && s.clusterId !== undefined ? [s.clusterId, ...learned.clusterList] : learned.clusterList;
    if (s.clusterId !== undefined && n.rrClient && learned.clusterList.includes(s.clusterId)) return NO_ROUTE;
    const nextHopSelf = n.nextHopMode === 'Self' || (n.nextHopMode === 'SelfEbgp' && !ibgpIn);
    const originatorId = reflecting ? (learned.originatorId ?? peerRouterId(this.peering, from)) : learned.originatorId;
    return this.attributes.intern({
      nextHop: nextHopSelf ? n.localAddress : learned.nextHop,
      asPath: learned.asPath,
      origin: learned.origin,
      ...(learned.localPref !== undefined ? { localPref: learned.localPref } : {}),
      ...(learned.med !== undefined ? { med: learned.med } : {}),
      ...(originatorId !== undefined ? { originatorId } : {}),
      clusterList,
    });
  }

  /**
   * eBGP rewrites the next hop to the sender's address, unless told to keep it, or the route
   * passes between two direct (single-hop) sessions on the same interface: then the peer can
   * reach the next hop itself, and BIRD passes it on unchanged (a third-party next hop, RFC 4271
   * 5.1.3; BIRD's bgp_use_next_hop). Calico's template makes every node session multihop, so a
   * node always puts itself as the next hop towards another AS.
   */
  private keepsNextHopOverEbgp(s: Speaker, n: Neighbor, from: Neighbor): boolean {
    if (n.nextHopMode === 'Keep') return true;
    const fromEbgp = from.remoteAs !== s.asNumber;
    if (n.nextHopMode === 'Self' || (n.nextHopMode === 'SelfEbgp' && fromEbgp)) return false;
    if (n.multihop || from.multihop) return false;
    const shared = s.subnets.find((subnet) => cidrContains(subnet, n.remoteAddress));
    return shared !== undefined && cidrContains(shared, from.remoteAddress);
  }

  /**
   * confd's calico_export_to_bgp_peers: only prefixes inside an exporting pool, or inside an
   * advertised Service range ("# Export static routes."), leave a node.
   */
  private exportedByCalico(prefix: number): boolean {
    let exported = this.exportable.get(prefix);
    if (exported === undefined) {
      const cidr = this.prefixes.cidr(prefix);
      const inside = (range: Cidr) => cidrContains(range, cidr.base) && cidr.len >= range.len;
      exported = this.poolCidrs.some((pool) => pool.bgp && inside(pool.cidr)) || this.serviceRanges.some(inside);
      this.exportable.set(prefix, exported);
    }
    return exported;
  }
}

/**
 * Numbers each neighbour's export class: what the attributes it is sent depend on besides the
 * route (iBGP or eBGP, rr client, next-hop mode, multihop, the local address, and for eBGP the
 * subnet shared with the peer, which decides a third-party next hop).
 */
function exportClasses(peering: Peering): Int32Array {
  const ids = new Map<string, number>();
  const classes = new Int32Array(peering.neighbors.length);
  for (const n of peering.neighbors) {
    const s = peering.speakers[n.speaker] as Speaker;
    const ebgp = n.remoteAs !== s.asNumber;
    const shared = ebgp ? s.subnets.find((subnet) => cidrContains(subnet, n.remoteAddress)) : undefined;
    const key = `${n.speaker}|${ebgp ? 'e' : 'i'}|${n.rrClient}|${n.nextHopMode}|${n.multihop}|${n.addPath}|${n.localAddress}|${shared === undefined ? '' : `${shared.base}/${shared.len}`}`;
    let id = ids.get(key);
    if (id === undefined) {
      id = ids.size;
      ids.set(key, id);
    }
    classes[n.index] = id;
  }
  return classes;
}
