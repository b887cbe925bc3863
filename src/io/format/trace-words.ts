/**
 * A trace's steps and dispositions in English: the one place their prose is written, for the
 * CLI's trace, its JSON (`detail`), the TUI, the pictures and the grading checks.
 */
import { assertNever } from '../../core/assert.js';
import { formatCidr, formatIpv4 } from '../../core/net/index.js';
import {
  type BlackholeReason,
  type Delivery,
  type Disposition,
  type DnsLookup,
  IPIP_MTU,
  type RouteOrigin,
  type RouteShown,
  type Step,
  type Transmission,
  type UnreachableReason,
  VXLAN_PORT,
  VXLAN_VNI,
} from '../../core/trace/index.js';
import { deniedText, policyStepText } from './policy-words.js';

/** A forwarding entry as `ip route` prints it (ECMP next hops joined by " | "). */
export function routeText(route: RouteShown): string {
  const prefix = route.prefix === 'default' ? 'default' : formatCidr(route.prefix);
  if (route.kind === 'blackhole' || route.kind === 'unreachable') return `${route.kind} ${prefix}`;
  if (route.kind === 'device') return `${prefix} dev ${route.dev ?? 'eth0'}`;
  return route.nextHops
    .map((h) => `${prefix} via ${formatIpv4(h.via)} dev ${h.dev}${h.onlink ? ' onlink' : ''}`)
    .join(' | ');
}

export function originText(origin: RouteOrigin): string {
  switch (origin.kind) {
    case 'pod-default':
      return "the pod's only route (set by the Calico CNI plugin)";
    case 'connected':
      return 'connected subnet';
    case 'default':
      return 'default route';
    case 'static':
      return 'static route';
    case 'vxlan':
      return 'programmed by Felix from IPAM (VXLAN does not use BGP)';
    case 'other':
      return 'route';
    case 'local-pod':
      return `local pod ${origin.pod} (CNI)`;
    case 'block-blackhole':
      return `blackhole for ${origin.owner ?? 'a'} block`;
    case 'own-block':
      return `static blackhole for ${origin.machine}'s own block (BIRD static1)`;
    case 'bgp': {
      const { asPath, originator } = origin;
      const parts = [
        `BGP from ${origin.peer} (${origin.protocol})`,
        originator !== undefined ? `originator ${formatIpv4(originator)}` : undefined,
        asPath !== undefined ? `AS path ${asPath.length === 0 ? '(empty)' : asPath.join(' ')}` : undefined,
        `best by ${origin.decidedBy === 'only-route' ? 'only route' : origin.decidedBy}`,
        origin.paths > 1 ? `ECMP over ${origin.paths} paths` : undefined,
      ];
      return parts.filter((p) => p !== undefined).join(', ');
    }
    default:
      return assertNever(origin, 'route origin');
  }
}

function transmissionText(to: Transmission): string {
  switch (to.kind) {
    case 'proxy-arp':
      return `ARP for 169.254.1.1 answered by ${to.veth} on ${to.node} (proxy ARP, ee:ee:ee:ee:ee:ee)`;
    case 'to-pod':
      return `to pod ${to.pod}`;
    case 'to-gateway':
      return `to the gateway ${formatIpv4(to.via)}, outside the simulated network`;
    case 'to-machine':
      return `to ${to.machine} (${formatIpv4(to.via)})`;
    case 'outer':
      return `outer packet to ${to.to}`;
    case 'underlay':
      return `to ${to.to}`;
    default:
      return assertNever(to, 'transmission');
  }
}

function deliveryText(to: Delivery): string {
  switch (to.kind) {
    case 'reply-socket':
      return `to the connection's socket in ${to.pod} (a reply needs no listener)`;
    case 'container':
      return `to container ${to.container}, listening on ${to.port}/TCP`;
    case 'host-service':
      return `to ${to.service} on the host`;
    default:
      return assertNever(to, 'delivery');
  }
}

/** What a step says after its kind (and its interface or route, which the trace prints before it). */
export function stepText(step: Step): string {
  switch (step.kind) {
    case 'ORIGINATED':
      return `${step.protocol} ${formatIpv4(step.src)} -> ${step.dst === 'localhost' ? 'localhost' : formatIpv4(step.dst)}:${step.port}${step.container ? ` from container ${step.container}` : ''}`;
    case 'LOOPBACK':
      return `${step.localhost ? 'localhost' : "the pod's own address"} stays in the pod's network namespace (lo): no route lookup, no veth`;
    case 'RECEIVED':
      if (step.from !== undefined) return `from ${step.from}`;
      if (step.packet === undefined) return '';
      return `${step.packet.encap !== undefined ? `${step.packet.encap} packet ` : ''}${formatIpv4(step.packet.src)} -> ${formatIpv4(step.packet.dst)}`;
    case 'FIB_LOOKUP':
      return originText(step.origin);
    case 'ENCAPSULATED':
      return step.encap === 'IPIP'
        ? `outer ${formatIpv4(step.outerSrc)} -> ${formatIpv4(step.outerDst)}, IP protocol 4, tunl0 MTU ${IPIP_MTU}`
        : `outer ${formatIpv4(step.outerSrc)} -> ${formatIpv4(step.outerDst)}, UDP ${VXLAN_PORT}, VNI ${VXLAN_VNI}, to VTEP ${formatIpv4(step.vtep ?? step.outerDst)}`;
    case 'DECAPSULATED':
      return step.encap === 'IPIP'
        ? 'on tunl0: inner packet continues'
        : `on vxlan.calico (VNI ${VXLAN_VNI}): inner packet continues`;
    case 'HOST_PORT':
      return `hostPort ${step.hostPort}: DNAT to ${formatIpv4(step.to)}:${step.port} (CNI portmap, pod ${step.pod})`;
    case 'NAT':
      return `natOutgoing: MASQUERADE ${formatIpv4(step.from)} -> ${formatIpv4(step.to)} (destination outside every Calico pool)`;
    case 'FORWARDED':
      return `underlay route to ${formatIpv4(step.outerDst)}; the inner pod packet is not looked at`;
    case 'UN_DNAT':
      return `conntrack reverses kube-proxy's DNAT: the reply's source ${formatIpv4(step.from)}:${step.fromPort} becomes ${formatIpv4(step.to)}:${step.toPort}, the address the client connected to`;
    case 'DNS_LOOKUP':
      return lookupText(step.lookup);
    case 'SERVICE_DNAT':
      return `${step.via === 'node-port' ? 'KUBE-NODEPORTS' : 'KUBE-SERVICES'} -> ${step.chain} -> ${step.endpointChain}: ${step.service} to ${step.endpoint} ${formatIpv4(step.to)}:${step.port} (rule probability ${step.probability === 1 ? '1 (the last rule)' : step.probability.toFixed(10)}, ${shareText(step.share)} of new connections${step.affinity ? '; ClientIP affinity keeps a client on its first endpoint for 10800s' : ''})`;
    case 'MASQUERADE':
      return `kube-proxy MASQUERADE ${formatIpv4(step.from)} -> ${formatIpv4(step.to)} (${MASQUERADE_WHY[step.why]})`;
    case 'TRANSMITTED':
      return transmissionText(step.to);
    case 'DELIVERED':
      return deliveryText(step.to);
    case 'POLICY':
      return policyStepText(step);
    default:
      return assertNever(step, 'trace step');
  }
}

const MASQUERADE_WHY = {
  hairpin: 'hairpin: the pod reached itself through its Service',
  external: 'external traffic under externalTrafficPolicy: Cluster',
  outside: "a ClusterIP reached from outside the cluster's pod CIDR",
} as const;

function shareText(share: number): string {
  const n = Math.round(1 / share);
  return Math.abs(1 / n - share) < 1e-12 ? `1/${n}` : share.toFixed(4);
}

function lookupText(lookup: DnsLookup): string {
  const tried = lookup.tried.join(', ');
  if (lookup.answer === undefined)
    return `${lookup.name}: NXDOMAIN for every name tried (${tried}), asking ${formatIpv4(lookup.server)}`;
  const by =
    lookup.answeredBy === undefined
      ? "from the cluster's Service and pod records: this topology runs no CoreDNS pods"
      : lookup.answeredBy.length === 1
        ? `answered by ${lookup.answeredBy[0]}`
        : `answered by one of ${lookup.answeredBy.join(', ')}, as kube-proxy spreads the queries`;
  const path =
    lookup.queryPath === undefined || lookup.queryPath.length === 0
      ? ''
      : `; the query went ${lookup.queryPath.join(' > ')} (UDP 53, through kube-proxy)`;
  if (lookup.unanswered !== undefined)
    return `${lookup.name}: the query to kube-dns ${formatIpv4(lookup.server)} got no answer (${lookup.unanswered})`;
  return `${lookup.name} -> ${formatIpv4(lookup.answer)}: ${lookup.tried.at(-1)} answered (tried ${tried}; kube-dns ${formatIpv4(lookup.server)}, ${by}${path})`;
}

function blackholeText(why: BlackholeReason): string {
  switch (why.kind) {
    case 'pod-gone':
      return `no pod holds ${formatIpv4(why.dst)} any more`;
    case 'unresolvable':
      return `unreachable ${formatCidr(why.prefix)} matched: BIRD selected it but cannot resolve its next hop ${formatIpv4(why.nextHop)} from ${why.machine}, so the kernel answers ICMP host unreachable`;
    case 'no-pod':
      return `blackhole ${formatCidr(why.block)} (${why.machine}'s block) matched: no pod has ${formatIpv4(why.dst)}`;
    case 'borrowed':
      return `blackhole ${formatCidr(why.block)} (${why.machine}'s block) matched: ${formatIpv4(why.dst)} is borrowed by ${why.borrower} for ${why.owner}, but ${why.machine} has no /32 route for it`;
    case 'no-interface':
      return `blackhole ${formatCidr(why.block)} matched: ${formatIpv4(why.dst)} belongs to ${why.owner}, which has no interface on ${why.machine}`;
    default:
      return assertNever(why, 'blackhole reason');
  }
}

function unreachableText(why: UnreachableReason): string {
  switch (why.kind) {
    case 'no-arp':
      return `nothing on ${formatCidr(why.subnet)} answers ARP for ${formatIpv4(why.dst)}`;
    case 'unknown-next-hop':
      return `no machine has the next hop ${formatIpv4(why.via)}`;
    case 'next-hop-down':
      return `next hop ${why.machine} (${formatIpv4(why.via)}) is down or not reachable on the segment`;
    case 'no-tunnel-endpoint':
      return `no node owns the tunnel endpoint ${formatIpv4(why.via)}`;
    case 'outer-unreachable':
      return `outer destination ${formatIpv4(why.dst)}: ${why.reason}`;
    default:
      return assertNever(why, 'unreachable reason');
  }
}

function lostText(lost: readonly string[], port: number): string {
  return lost.length > 0 ? `; ${lost.join(', ')} declared ${port} too and lost the bind (address already in use)` : '';
}

/** Why a trace ended where it did. */
export function dispositionText(d: Disposition): string {
  switch (d.kind) {
    case 'ACCEPTED':
      switch (d.by.kind) {
        case 'reply-socket':
          return `reply reached ${d.at}`;
        case 'container':
          return `${d.by.container} accepted ${d.port}/${d.protocol}${lostText(d.lost, d.port)}`;
        case 'host-service':
          return `${d.by.service} on ${d.at} accepted ${d.port}/TCP`;
        default:
          return assertNever(d.by, 'delivery');
      }
    case 'CONNECTION_REFUSED': {
      if (d.onHost) return `nothing listens on ${d.port}/${d.protocol} on ${d.at}`;
      const listening = d.listening ?? [];
      const what =
        listening.length > 0 ? ` (listening: ${listening.join(', ')})` : ` (pod is ${d.podStatus ?? 'unknown'})`;
      return `nothing listens on ${d.port}/${d.protocol} in ${d.at}${what}${lostText(d.lost, d.port)}`;
    }
    case 'NO_ROUTE':
      return `${d.at} has no route to ${formatIpv4(d.dst)}`;
    case 'NULL_ROUTED':
      return blackholeText(d.why);
    case 'LOOP':
      return `${d.at} already forwarded a packet to ${formatIpv4(d.dst)}: routing loop`;
    case 'TTL_EXCEEDED':
      return `TTL reached 0 at ${d.at}`;
    case 'NEIGHBOR_UNREACHABLE':
      return unreachableText(d.why);
    case 'EXITS_NETWORK':
      return `left through ${formatIpv4(d.via)} with source ${formatIpv4(d.src)}`;
    case 'REJECTED':
      return `service ${d.service} has no endpoints for port ${d.port}: kube-proxy's REJECT (ICMP port unreachable)`;
    case 'DROPPED':
      return `service ${d.service} has no local endpoints on ${d.at} (traffic policy Local): kube-proxy drops it`;
    case 'NXDOMAIN':
      return `${d.name} does not resolve: NXDOMAIN from the cluster DNS`;
    case 'DNS_UNANSWERED':
      return `no answer for ${d.name}: the query to kube-dns reached no CoreDNS pod (${d.why}); the resolver times out`;
    case 'DENIED_OUT':
    case 'DENIED_IN':
      return deniedText(d.verdict);
    default:
      return assertNever(d, 'disposition');
  }
}
