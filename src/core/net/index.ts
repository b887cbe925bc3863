/**
 * net: IPv4 addresses and prefixes as unsigned 32-bit integers.
 *
 * Models: dotted-quad parsing (validated with ip-address), formatting, masks, containment and
 * overlap of prefixes. Invariants: an address is an integer in [0, 2^32); a Cidr's `base` has no
 * bits set below its prefix length (it is "masked"). Leaves out: IPv6, which podnet does not
 * simulate yet (Calico's IPIP is IPv4-only and every lab here is IPv4).
 */
import { Address4 } from 'ip-address';

export type Ipv4 = number;

export interface Cidr {
  readonly base: Ipv4;
  readonly len: number;
}

const DOTTED_QUAD = /^\d{1,3}(\.\d{1,3}){3}$/;

/** Parses a dotted quad such as `10.0.1.11`; null when it is not one. */
export function parseIpv4(text: string): Ipv4 | null {
  if (!DOTTED_QUAD.test(text) || !Address4.isValid(text)) return null;
  let value = 0;
  for (const part of text.split('.')) {
    const octet = Number(part);
    if (octet > 255) return null;
    value = value * 256 + octet;
  }
  return value;
}

export function formatIpv4(ip: Ipv4): string {
  return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}

/** The netmask of a prefix length, as an integer (len 0 gives 0). */
export function maskOf(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

export function cidrSize(cidr: Cidr): number {
  return 2 ** (32 - cidr.len);
}

/** An address with a prefix length, e.g. a node's `10.0.1.11/24`: the host part is kept. */
export interface AddressWithPrefix {
  readonly ip: Ipv4;
  readonly len: number;
}

export type CidrParse =
  | { readonly ok: true; readonly value: AddressWithPrefix }
  | { readonly ok: false; readonly reason: string };

/** Parses `a.b.c.d/len` without requiring the host bits to be zero. */
export function parseAddressWithPrefix(text: string): CidrParse {
  const slash = text.indexOf('/');
  if (slash < 0) return { ok: false, reason: `"${text}" has no prefix length (expected a.b.c.d/len)` };
  const ip = parseIpv4(text.slice(0, slash));
  if (ip === null) return { ok: false, reason: `"${text.slice(0, slash)}" is not an IPv4 address` };
  const lenText = text.slice(slash + 1);
  const len = Number(lenText);
  if (!/^\d{1,2}$/.test(lenText) || len > 32) {
    return { ok: false, reason: `"/${lenText}" is not a prefix length between 0 and 32` };
  }
  return { ok: true, value: { ip, len } };
}

export type MaskedCidrParse =
  | { readonly ok: true; readonly value: Cidr }
  | { readonly ok: false; readonly reason: string };

/** Parses a network prefix; `192.168.1.5/24` is refused because its host bits are set. */
export function parseCidr(text: string): MaskedCidrParse {
  const parsed = parseAddressWithPrefix(text);
  if (!parsed.ok) return parsed;
  const { ip, len } = parsed.value;
  const base = (ip & maskOf(len)) >>> 0;
  if (base !== ip) {
    return {
      ok: false,
      reason: `"${text}" is not a network address: host bits are set (did you mean ${formatIpv4(base)}/${len}?)`,
    };
  }
  return { ok: true, value: { base, len } };
}

export function networkOf(address: AddressWithPrefix): Cidr {
  return { base: (address.ip & maskOf(address.len)) >>> 0, len: address.len };
}

export function formatCidr(cidr: Cidr): string {
  return `${formatIpv4(cidr.base)}/${cidr.len}`;
}

export function cidrContains(cidr: Cidr, ip: Ipv4): boolean {
  return (ip & maskOf(cidr.len)) >>> 0 === cidr.base;
}

export function cidrCovers(outer: Cidr, inner: Cidr): boolean {
  return outer.len <= inner.len && cidrContains(outer, inner.base);
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return cidrCovers(a, b) || cidrCovers(b, a);
}

/** Calico's link-local exclusion: pools must not overlap 169.254.0.0/16. */
export const LINK_LOCAL: Cidr = { base: parseIpv4('169.254.0.0') as number, len: 16 };
