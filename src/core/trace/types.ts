/**
 * What a trace is made of: a flow, hops of typed steps, and a disposition (Batfish's words).
 * Steps and dispositions are facts with their data, never prose: io/format/trace-words.ts says
 * them in English, for the CLI, the TUI and the pictures alike.
 */
import type { Cidr, Ipv4 } from '../net/index.js';
import type { PolicyVerdict } from '../policy/index.js';
import type { Direction } from '../topology/policy-model.js';

export type Protocol = 'TCP' | 'UDP';

export interface Flow {
  /** The source pod (namespace/name); empty when the flow starts on a machine (srcMachine). */
  readonly srcPod: string;
  /** A node or router the flow starts on, from its own address: a client outside the pods. */
  readonly srcMachine?: string;
  readonly srcContainer?: string;
  readonly src: Ipv4;
  readonly dst: Ipv4;
  readonly protocol: Protocol;
  readonly port: number;
  /** True for `localhost:port`: the packet never leaves the pod's network namespace. */
  readonly loopback: boolean;
  /** A reply on an established connection: the destination socket exists, nothing need listen. */
  readonly reply?: boolean;
  /** The name the destination was given as, and how the pod's resolver answered it. */
  readonly lookup?: DnsLookup;
  /** Follow only this endpoint (pod label) when the flow meets a Service. */
  readonly endpoint?: string;
  /** kube-proxy has already translated this flow (a Service is met once). */
  readonly translated?: true;
  /** For a reply to a connection kube-proxy translated: the address the client had connected to. */
  readonly untranslate?: { readonly from: Ipv4; readonly fromPort: number; readonly to: Ipv4; readonly toPort: number };
}

/** A name resolved by the pod's resolver (resolv.conf: search path, ndots 5, kube-dns). */
export interface DnsLookup {
  readonly name: string;
  /** The names tried, in resolv.conf's order, and the one that answered. */
  readonly tried: readonly string[];
  readonly answer?: Ipv4;
  readonly server: Ipv4;
  /** The CoreDNS pods whose branch of the query (UDP 53 to kube-dns, through kube-proxy) was answered. */
  readonly answeredBy?: readonly string[];
  /** The hops of the first answered branch of the query: how the query itself was routed. */
  readonly queryPath?: readonly string[];
  /** CoreDNS runs, but no branch of the query got through: how each ended. */
  readonly unanswered?: string;
}

export type Encap = 'IPIP' | 'VXLAN';

/** Calico's constants the tunnel steps show. */
export const IPIP_MTU = 1480;
export const VXLAN_PORT = 4789;
export const VXLAN_VNI = 4096;

/** Where a forwarding entry came from: which component programmed it, or which BGP route won. */
export type RouteOrigin =
  | { readonly kind: 'pod-default' }
  | { readonly kind: 'connected' | 'default' | 'static' | 'vxlan' | 'other' }
  | { readonly kind: 'local-pod'; readonly pod: string }
  | { readonly kind: 'block-blackhole'; readonly owner?: string }
  | { readonly kind: 'own-block'; readonly machine: string }
  | {
      readonly kind: 'bgp';
      readonly peer: string;
      readonly protocol: string;
      readonly originator?: Ipv4;
      readonly asPath?: readonly number[];
      readonly decidedBy: string;
      readonly paths: number;
    };

/** A forwarding entry as a step shows it: what `ip route` prints for it. */
export interface RouteShown {
  readonly prefix: Cidr | 'default';
  readonly kind: 'blackhole' | 'unreachable' | 'device' | 'via';
  readonly dev?: string;
  readonly nextHops: readonly { readonly via: Ipv4; readonly dev: string; readonly onlink: boolean }[];
}

/** Where a TRANSMITTED step sends the packet. */
export type Transmission =
  | { readonly kind: 'proxy-arp'; readonly veth: string; readonly node: string }
  | { readonly kind: 'to-pod'; readonly pod: string }
  | { readonly kind: 'to-gateway'; readonly via: Ipv4 }
  | { readonly kind: 'to-machine'; readonly machine: string; readonly via: Ipv4 }
  | { readonly kind: 'outer'; readonly to: string }
  | { readonly kind: 'underlay'; readonly to: string };

/** What a DELIVERED step hands the packet to. */
export type Delivery =
  | { readonly kind: 'reply-socket'; readonly pod: string }
  | { readonly kind: 'container'; readonly container: string; readonly port: number }
  | { readonly kind: 'host-service'; readonly service: string };

export type Step =
  | {
      readonly kind: 'ORIGINATED';
      readonly protocol: Protocol;
      readonly src: Ipv4;
      readonly dst: Ipv4 | 'localhost';
      readonly port: number;
      readonly container?: string;
    }
  | { readonly kind: 'LOOPBACK'; readonly localhost: boolean }
  | { readonly kind: 'RECEIVED'; readonly iface: string; readonly from?: string; readonly packet?: PacketShown }
  | { readonly kind: 'FIB_LOOKUP'; readonly route: RouteShown; readonly origin: RouteOrigin }
  | {
      readonly kind: 'ENCAPSULATED';
      readonly encap: Encap;
      readonly outerSrc: Ipv4;
      readonly outerDst: Ipv4;
      /** VXLAN: the VTEP the route named. */
      readonly vtep?: Ipv4;
    }
  | { readonly kind: 'DECAPSULATED'; readonly encap: Encap }
  | { readonly kind: 'NAT'; readonly from: Ipv4; readonly to: Ipv4 }
  /** The CNI portmap plugin's DNAT of a node's hostPort to the pod holding it. */
  | {
      readonly kind: 'HOST_PORT';
      readonly hostPort: number;
      readonly to: Ipv4;
      readonly port: number;
      readonly pod: string;
    }
  | { readonly kind: 'FORWARDED'; readonly outerDst: Ipv4 }
  | { readonly kind: 'DNS_LOOKUP'; readonly lookup: DnsLookup }
  /** conntrack reverses kube-proxy's DNAT on the reply: the client sees the Service's address. */
  | {
      readonly kind: 'UN_DNAT';
      readonly from: Ipv4;
      readonly fromPort: number;
      readonly to: Ipv4;
      readonly toPort: number;
    }
  /** kube-proxy's DNAT: KUBE-SERVICES -> KUBE-SVC-… -> KUBE-SEP-…, with the rule's probability. */
  | {
      readonly kind: 'SERVICE_DNAT';
      readonly service: string;
      readonly via: 'cluster-ip' | 'node-port' | 'external-ip';
      readonly chain: string;
      readonly endpointChain: string;
      readonly to: Ipv4;
      readonly port: number;
      readonly endpoint: string;
      /** The probability on this endpoint's rule (1/n, 1/(n-1), ..., then the last unconditional). */
      readonly probability: number;
      /** Its share of new connections: 1/n. */
      readonly share: number;
      readonly affinity: boolean;
    }
  /** kube-proxy's MASQUERADE (KUBE-MARK-MASQ): external traffic under the Cluster policy, or hairpin. */
  | {
      readonly kind: 'MASQUERADE';
      readonly from: Ipv4;
      readonly to: Ipv4;
      readonly why: 'external' | 'outside' | 'hairpin';
    }
  | { readonly kind: 'TRANSMITTED'; readonly iface: string; readonly to: Transmission }
  /** Felix's chain for a workload endpoint: every policy it ran and the decision, or conntrack's accept of a reply. */
  | {
      readonly kind: 'POLICY';
      readonly direction: Direction;
      readonly endpoint: string;
      readonly iface: string;
      readonly verdict?: PolicyVerdict;
      readonly established?: true;
    }
  | { readonly kind: 'DELIVERED'; readonly to: Delivery };

/** A packet as a RECEIVED step shows it: its addresses, and the tunnel it came in. */
export interface PacketShown {
  readonly src: Ipv4;
  readonly dst: Ipv4;
  readonly encap?: Encap;
}

export interface Hop {
  readonly node: string;
  readonly ttl: number;
  readonly steps: readonly Step[];
}

/** Why a blackhole route matched: no pod has the address, a borrowed /32 is missing, or its pod left. */
export type BlackholeReason =
  | { readonly kind: 'no-pod'; readonly block: Cidr; readonly machine: string; readonly dst: Ipv4 }
  | {
      readonly kind: 'borrowed';
      readonly block: Cidr;
      readonly machine: string;
      readonly dst: Ipv4;
      readonly borrower: string;
      readonly owner: string;
    }
  | {
      readonly kind: 'no-interface';
      readonly block: Cidr;
      readonly machine: string;
      readonly dst: Ipv4;
      readonly owner: string;
    }
  | { readonly kind: 'pod-gone'; readonly dst: Ipv4 }
  /** The best route's next hop could not be resolved: BIRD installed it as `unreachable`. */
  | { readonly kind: 'unresolvable'; readonly prefix: Cidr; readonly machine: string; readonly nextHop: Ipv4 };

export type UnreachableReason =
  | { readonly kind: 'no-arp'; readonly subnet: Cidr; readonly dst: Ipv4 }
  | { readonly kind: 'unknown-next-hop'; readonly via: Ipv4 }
  | { readonly kind: 'next-hop-down'; readonly machine: string; readonly via: Ipv4 }
  | { readonly kind: 'no-tunnel-endpoint'; readonly via: Ipv4 }
  | { readonly kind: 'outer-unreachable'; readonly dst: Ipv4; readonly reason: string };

/** A container that declared the same port and lost the bind. */
export type BindLosers = readonly string[];

export type Disposition =
  | {
      readonly kind: 'ACCEPTED';
      readonly at: string;
      readonly by: Delivery;
      readonly port: number;
      readonly protocol: Protocol;
      readonly lost: BindLosers;
    }
  | {
      readonly kind: 'CONNECTION_REFUSED';
      readonly at: string;
      readonly port: number;
      readonly protocol: Protocol;
      /** In a pod: what does listen (container port/TCP), and the pod's status. */
      readonly listening?: readonly string[];
      readonly podStatus?: string;
      readonly onHost: boolean;
      readonly lost: BindLosers;
    }
  | { readonly kind: 'NO_ROUTE'; readonly at: string; readonly dst: Ipv4 }
  | { readonly kind: 'NULL_ROUTED'; readonly at: string; readonly why: BlackholeReason }
  | { readonly kind: 'LOOP'; readonly at: string; readonly dst: Ipv4 }
  | { readonly kind: 'TTL_EXCEEDED'; readonly at: string }
  | { readonly kind: 'NEIGHBOR_UNREACHABLE'; readonly at: string; readonly why: UnreachableReason }
  | { readonly kind: 'EXITS_NETWORK'; readonly at: string; readonly via: Ipv4; readonly src: Ipv4 }
  /** kube-proxy's REJECT (ICMP port unreachable): the Service has no usable endpoint. */
  | { readonly kind: 'REJECTED'; readonly at: string; readonly service: string; readonly port: number }
  /** externalTrafficPolicy/internalTrafficPolicy Local on a node with no endpoint of its own. */
  | { readonly kind: 'DROPPED'; readonly at: string; readonly service: string; readonly port: number }
  /** The name did not resolve: the pod's resolver answered NXDOMAIN. */
  | { readonly kind: 'NXDOMAIN'; readonly at: string; readonly name: string }
  /** CoreDNS runs but the query reached none of it: the resolver times out. */
  | { readonly kind: 'DNS_UNANSWERED'; readonly at: string; readonly name: string; readonly why: string }
  /** Network policy dropped it: the source's egress (DENIED_OUT) or the destination's ingress (DENIED_IN). */
  | { readonly kind: 'DENIED_OUT' | 'DENIED_IN'; readonly at: string; readonly verdict: PolicyVerdict };

export type DispositionKind = Disposition['kind'];

export interface Trace {
  readonly flow: Flow;
  readonly hops: readonly Hop[];
  readonly disposition: Disposition;
}

const SUCCESS: ReadonlySet<DispositionKind> = new Set(['ACCEPTED', 'EXITS_NETWORK']);

export function isSuccess(disposition: Disposition): boolean {
  return SUCCESS.has(disposition.kind);
}
