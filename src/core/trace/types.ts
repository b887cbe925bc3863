/** What a trace is made of: a flow, hops of typed steps, and a disposition (Batfish's words). */
import type { Ipv4 } from '../net/index.js';

export type Protocol = 'TCP' | 'UDP';

export interface Flow {
  readonly srcPod: string;
  readonly srcContainer?: string;
  readonly src: Ipv4;
  readonly dst: Ipv4;
  readonly protocol: Protocol;
  readonly port: number;
  /** True for `localhost:port`: the packet never leaves the pod's network namespace. */
  readonly loopback: boolean;
  /** A reply on an established connection: the destination socket exists, nothing need listen. */
  readonly reply?: boolean;
}

export type Step =
  | { readonly kind: 'ORIGINATED'; readonly detail: string }
  | { readonly kind: 'LOOPBACK'; readonly detail: string }
  | { readonly kind: 'RECEIVED'; readonly iface: string; readonly detail: string }
  | { readonly kind: 'FIB_LOOKUP'; readonly route: string; readonly detail: string }
  | {
      readonly kind: 'ENCAPSULATED';
      readonly encap: 'IPIP' | 'VXLAN';
      readonly outerSrc: Ipv4;
      readonly outerDst: Ipv4;
      readonly detail: string;
    }
  | { readonly kind: 'DECAPSULATED'; readonly encap: 'IPIP' | 'VXLAN'; readonly detail: string }
  | { readonly kind: 'NAT'; readonly from: Ipv4; readonly to: Ipv4; readonly detail: string }
  | { readonly kind: 'FORWARDED'; readonly detail: string }
  | { readonly kind: 'TRANSMITTED'; readonly iface: string; readonly detail: string }
  | { readonly kind: 'DELIVERED'; readonly detail: string };

export interface Hop {
  readonly node: string;
  readonly ttl: number;
  readonly steps: readonly Step[];
}

export type Disposition =
  | { readonly kind: 'ACCEPTED'; readonly at: string; readonly detail: string }
  | { readonly kind: 'CONNECTION_REFUSED'; readonly at: string; readonly detail: string }
  | { readonly kind: 'NO_ROUTE'; readonly at: string; readonly detail: string }
  | { readonly kind: 'NULL_ROUTED'; readonly at: string; readonly detail: string }
  | { readonly kind: 'LOOP'; readonly at: string; readonly detail: string }
  | { readonly kind: 'TTL_EXCEEDED'; readonly at: string; readonly detail: string }
  | { readonly kind: 'NEIGHBOR_UNREACHABLE'; readonly at: string; readonly detail: string }
  | { readonly kind: 'EXITS_NETWORK'; readonly at: string; readonly detail: string };

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
