/**
 * Policy manifests as the API servers admit them, resolved to podnet's one policy shape
 * (policy-model.ts): Kubernetes NetworkPolicies as libcalico-go converts them (order 1000, the
 * default tier, one rule per written rule), Calico policies with their selectors parsed, and
 * Namespaces and Tiers. Each refusal is the API server's or calicoctl's text, located at the
 * field it names; every problem of a manifest is reported, not the first.
 */
import { type Cidr, cidrCovers, networkOf, parseAddressWithPrefix } from '../net/index.js';
import { definedOnly } from './defined.js';
import type { IssueSink } from './issue-sink.js';
import { requirementProblems, requirementsOf, selectorOf, selectorText } from './label-requirements.js';
import type { Origin } from './model.js';
import {
  DEFAULT_TIER,
  type Direction,
  type EntityMatch,
  KUBERNETES_POLICY_ORDER,
  type NamespaceSpec,
  type PolicyRule,
  type PolicySpec,
  type PortMatch,
  type TierSpec,
  type WrittenSelector,
} from './policy-model.js';
import type * as s from './schema-policy.js';

type Report = (path: (string | number)[], message: string) => void;

/** A field as the API server names it: `spec.ingress[0].from[1].ipBlock`. */
function fieldName(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

const ALL: WrittenSelector = { selector: { op: 'all' }, text: '' };

export function resolveNamespace(manifest: s.NamespaceManifest, origin: Origin): NamespaceSpec {
  return { name: manifest.metadata.name, labels: manifest.metadata.labels ?? {}, origin };
}

export function resolveTier(manifest: s.TierManifest, origin: Origin): TierSpec {
  return {
    name: manifest.metadata.name,
    ...(manifest.spec.order !== undefined ? { order: manifest.spec.order } : {}),
    defaultAction: manifest.spec.defaultAction ?? 'Deny',
    origin,
  };
}

/** A Kubernetes NetworkPolicy, as the API server validates it and Calico converts it. */
export function resolveNetworkPolicy(
  sink: IssueSink,
  manifest: s.NetworkPolicyManifest,
  origin: Origin,
): PolicySpec | undefined {
  const before = sink.issues.length;
  const { name } = manifest.metadata;
  const invalid: Report = (path, message) =>
    sink.report(
      { ...origin, path: [...origin.path, ...path] },
      'invalid-value',
      `The NetworkPolicy "${name}" is invalid: ${message}`,
    );
  const { spec } = manifest;
  const podSelector = labelSelector(spec.podSelector, ['spec', 'podSelector'], invalid);
  const ingress = (spec.ingress ?? []).map((rule, i) => kubernetesRule('ingress', i, rule.from, rule.ports, invalid));
  const egress = (spec.egress ?? []).map((rule, i) => kubernetesRule('egress', i, rule.to, rule.ports, invalid));
  if (sink.issues.length > before) return undefined;
  const types: Direction[] =
    spec.policyTypes !== undefined
      ? (['ingress', 'egress'] as const).filter((d) =>
          spec.policyTypes?.includes(d === 'ingress' ? 'Ingress' : 'Egress'),
        )
      : spec.egress !== undefined
        ? ['ingress', 'egress']
        : ['ingress'];
  return {
    kind: 'NetworkPolicy',
    namespace: manifest.metadata.namespace ?? 'default',
    name,
    tier: DEFAULT_TIER.name,
    order: KUBERNETES_POLICY_ORDER,
    selector: podSelector,
    types,
    ingress,
    egress,
    ...writtenAs(manifest, origin),
  };
}

/** What a policy keeps of its manifest: its labels, the manifest itself (for describe and export), where. */
function writtenAs(
  manifest: { metadata: { labels?: Record<string, string> | undefined } },
  origin: Origin,
): Pick<PolicySpec, 'labels' | 'manifest' | 'origin'> {
  return { labels: manifest.metadata.labels ?? {}, manifest: manifest as unknown as Record<string, unknown>, origin };
}

function labelSelector(
  manifest: NonNullable<s.NetworkPolicyPeerManifest['podSelector']>,
  path: (string | number)[],
  invalid: Report,
): WrittenSelector {
  for (const problem of requirementProblems(manifest, fieldName(path)))
    invalid([...path, ...problem.path], problem.message);
  const requirements = requirementsOf(manifest);
  return { selector: selectorOf(requirements), text: selectorText(requirements) };
}

function kubernetesRule(
  direction: Direction,
  index: number,
  peers: readonly s.NetworkPolicyPeerManifest[] | undefined,
  ports: readonly s.NetworkPolicyPortManifest[] | undefined,
  invalid: Report,
): PolicyRule {
  const base = ['spec', direction, index];
  const peerField = direction === 'ingress' ? 'from' : 'to';
  const entities = (peers ?? []).map((peer, i) => kubernetesPeer(peer, [...base, peerField, i], invalid));
  const portMatches = (ports ?? []).map((port, i) => kubernetesPort(port, [...base, 'ports', i], invalid));
  const withPorts: EntityMatch | undefined = portMatches.length > 0 ? { ports: portMatches } : undefined;
  const path = `${direction}[${index}]`;
  if (direction === 'ingress')
    return { action: 'Allow', source: entities, destination: withPorts ? [withPorts] : [], path };
  const destination =
    entities.length === 0 ? (withPorts ? [withPorts] : []) : entities.map((e) => ({ ...e, ...withPorts }));
  return { action: 'Allow', source: [], destination, path };
}

function kubernetesPeer(peer: s.NetworkPolicyPeerManifest, path: (string | number)[], invalid: Report): EntityMatch {
  const field = fieldName(path);
  const selectors = peer.podSelector !== undefined || peer.namespaceSelector !== undefined;
  if (peer.ipBlock !== undefined && selectors)
    invalid(path, `${field}: Forbidden: may not specify both ipBlock and another peer`);
  if (peer.ipBlock === undefined && !selectors) invalid(path, `${field}: Required value: must specify a peer`);
  if (peer.ipBlock !== undefined) return ipBlockMatch(peer.ipBlock, [...path, 'ipBlock'], invalid);
  return {
    ...(peer.podSelector !== undefined
      ? { selector: labelSelector(peer.podSelector, [...path, 'podSelector'], invalid) }
      : {}),
    ...(peer.namespaceSelector !== undefined
      ? { namespaceSelector: labelSelector(peer.namespaceSelector, [...path, 'namespaceSelector'], invalid) }
      : {}),
  };
}

function ipBlockMatch(
  block: NonNullable<s.NetworkPolicyPeerManifest['ipBlock']>,
  path: (string | number)[],
  invalid: Report,
): EntityMatch {
  const cidr = cidrOf(block.cidr, [...path, 'cidr'], invalid);
  const except = (block.except ?? []).flatMap((text, i) => {
    const at = [...path, 'except', i];
    const inner = cidrOf(text, at, invalid);
    if (inner === undefined || cidr === undefined) return [];
    if (!cidrCovers(cidr, inner) || inner.len <= cidr.len)
      invalid(at, `${fieldName(at)}: Invalid value: "${text}": must be a strict subset of \`cidr\``);
    return [inner];
  });
  return { ...(cidr !== undefined ? { nets: [cidr] } : {}), ...(except.length > 0 ? { notNets: except } : {}) };
}

function cidrOf(text: string, path: (string | number)[], invalid: Report): Cidr | undefined {
  const parsed = parseAddressWithPrefix(text);
  if (parsed.ok) return networkOf(parsed.value);
  invalid(
    path,
    `${fieldName(path)}: Invalid value: "${text}": must be a valid CIDR value, (e.g. 10.9.0.0/16): ${parsed.reason}`,
  );
  return undefined;
}

function kubernetesPort(port: s.NetworkPolicyPortManifest, path: (string | number)[], invalid: Report): PortMatch {
  const field = fieldName(path);
  const { protocol } = port;
  if (port.endPort !== undefined) {
    if (port.port === undefined)
      invalid(
        [...path, 'endPort'],
        `${field}.endPort: Required value: may not be specified when port is not specified`,
      );
    else if (typeof port.port === 'string')
      invalid([...path, 'endPort'], `${field}.endPort: Required value: may not be specified when port is non-numeric`);
    else if (port.endPort < port.port)
      invalid(
        [...path, 'endPort'],
        `${field}.endPort: Invalid value: ${port.endPort}: must be greater than or equal to port`,
      );
  }
  if (typeof port.port === 'string') {
    const problem = portNameProblem(port.port);
    if (problem !== undefined) invalid([...path, 'port'], `${field}.port: Invalid value: "${port.port}": ${problem}`);
    return { kind: 'named', name: port.port, protocol };
  }
  const from = port.port ?? 1;
  return { kind: 'range', from, to: port.port === undefined ? 65535 : (port.endPort ?? from), protocol };
}

/** Kubernetes' IsValidPortName: an IANA service name. */
export function portNameProblem(name: string): string | undefined {
  if (name.length > 15) return 'must be no more than 15 characters';
  if (!/^[-a-z0-9]+$/.test(name)) return 'must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)';
  if (!/[a-z]/.test(name)) return 'must contain at least one letter (a-z)';
  if (name.includes('--')) return 'must not contain consecutive hyphens';
  if (name.startsWith('-') || name.endsWith('-')) return 'must not begin or end with a hyphen';
  return undefined;
}

/** A Calico NetworkPolicy or GlobalNetworkPolicy, as calicoctl validates it. */
export function resolveCalicoPolicy(
  sink: IssueSink,
  manifest: s.CalicoPolicyManifest,
  origin: Origin,
): PolicySpec | undefined {
  const before = sink.issues.length;
  const { name } = manifest.metadata;
  const at = (path: (string | number)[]): Origin => ({ ...origin, path: [...origin.path, ...path] });
  const invalid: Report = (path, message) => sink.report(at(path), 'invalid-value', message);
  const { spec } = manifest;
  const global = manifest.kind === 'GlobalNetworkPolicy';
  const tier = spec.tier ?? DEFAULT_TIER.name;
  if (!global && name.startsWith('knp.default.'))
    invalid(
      ['metadata', 'name'],
      `the name "${name}" is Calico's for a Kubernetes NetworkPolicy: write a networking.k8s.io/v1 NetworkPolicy instead`,
    );
  if (tier !== DEFAULT_TIER.name && !name.startsWith(`${tier}.`))
    invalid(['metadata', 'name'], `a policy in tier "${tier}" must be named "${tier}.<name>", not "${name}"`);
  const written = (text: string | undefined, path: (string | number)[]): WrittenSelector | undefined => {
    if (text === undefined) return undefined;
    const selector = sink.selector(text, at(path));
    return selector === undefined ? undefined : { selector, text };
  };
  const selector = written(spec.selector, ['spec', 'selector']) ?? ALL;
  const namespaceSelector =
    'namespaceSelector' in spec ? written(spec.namespaceSelector, ['spec', 'namespaceSelector']) : undefined;
  const rules = (direction: Direction) =>
    (spec[direction] ?? []).map((rule, i) => calicoRule(rule, direction, i, written, invalid));
  const ingress = rules('ingress');
  const egress = rules('egress');
  if (sink.issues.length > before) return undefined;
  return {
    kind: global ? 'GlobalNetworkPolicy' : 'CalicoNetworkPolicy',
    ...(global ? {} : { namespace: manifest.metadata.namespace ?? 'default' }),
    name,
    tier,
    ...(spec.order !== undefined ? { order: spec.order } : {}),
    selector,
    ...(namespaceSelector !== undefined ? { namespaceSelector } : {}),
    types: calicoTypes(spec.types, ingress.length > 0, egress.length > 0),
    ingress,
    egress,
    ...writtenAs(manifest, origin),
  };
}

/** Calico's default types: Ingress, plus Egress when there are egress rules (only Egress if only those). */
function calicoTypes(
  written: readonly ('Ingress' | 'Egress')[] | undefined,
  ingress: boolean,
  egress: boolean,
): Direction[] {
  if (written !== undefined)
    return (['ingress', 'egress'] as const).filter((d) => written.includes(d === 'ingress' ? 'Ingress' : 'Egress'));
  if (egress && !ingress) return ['egress'];
  return egress ? ['ingress', 'egress'] : ['ingress'];
}

const PROTOCOLS = ['TCP', 'UDP', 'ICMP', 'ICMPv6', 'SCTP', 'UDPLite'];
const PORT_PROTOCOLS = ['TCP', 'UDP', 'SCTP', 'UDPLite', '6', '17', '132', '136'];

function calicoRule(
  rule: s.CalicoRuleManifest,
  direction: Direction,
  index: number,
  written: (text: string | undefined, path: (string | number)[]) => WrittenSelector | undefined,
  invalid: Report,
): PolicyRule {
  const base = ['spec', direction, index];
  const protocol = protocolOf(rule.protocol, [...base, 'protocol'], invalid);
  const notProtocol = protocolOf(rule.notProtocol, [...base, 'notProtocol'], invalid);
  const entity = (side: 'source' | 'destination'): EntityMatch[] => {
    const e = rule[side];
    if (e === undefined) return [];
    const path = [...base, side];
    const ports = (list: readonly (number | string)[] | undefined, key: string) =>
      list?.map((p, i) => calicoPort(p, [...path, key, i], invalid));
    if ((e.ports !== undefined || e.notPorts !== undefined) && !PORT_PROTOCOLS.includes(protocol ?? ''))
      invalid(
        [...path, e.ports !== undefined ? 'ports' : 'notPorts'],
        'rules that specify ports must set protocol to TCP, UDP, SCTP or UDPLite',
      );
    const nets = (list: readonly string[] | undefined, key: string) =>
      list?.flatMap((text, i) => cidrOf(text, [...path, key, i], invalid) ?? []);
    const match: Record<string, unknown> = {
      nets: nets(e.nets, 'nets'),
      notNets: nets(e.notNets, 'notNets'),
      selector: written(e.selector, [...path, 'selector']),
      notSelector: written(e.notSelector, [...path, 'notSelector']),
      namespaceSelector: written(e.namespaceSelector, [...path, 'namespaceSelector']),
      ports: ports(e.ports, 'ports'),
      notPorts: ports(e.notPorts, 'notPorts'),
    };
    return [definedOnly(match) as EntityMatch];
  };
  return {
    action: rule.action,
    ...(protocol !== undefined ? { protocol } : {}),
    ...(notProtocol !== undefined ? { notProtocol } : {}),
    ...(rule.ipVersion !== undefined ? { ipVersion: rule.ipVersion } : {}),
    source: entity('source'),
    destination: entity('destination'),
    path: `${direction}[${index}]`,
  };
}

function protocolOf(
  value: string | number | undefined,
  path: (string | number)[],
  invalid: Report,
): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return String(value);
  const known = PROTOCOLS.find((p) => p.toLowerCase() === value.toLowerCase());
  if (known === undefined)
    invalid(path, `protocol "${value}" is not one of ${PROTOCOLS.join(', ')} or a number from 1 to 255`);
  return known;
}

function calicoPort(value: number | string, path: (string | number)[], invalid: Report): PortMatch {
  if (typeof value === 'number') return { kind: 'range', from: value, to: value };
  const range = /^(\d+):(\d+)$/.exec(value);
  if (range !== null) {
    const from = Number(range[1]);
    const to = Number(range[2]);
    if (from < 1 || to > 65535 || from > to)
      invalid(path, `port range "${value}" must be from:to with 1 <= from <= to <= 65535`);
    return { kind: 'range', from, to };
  }
  if (/^\d+$/.test(value)) {
    const port = Number(value);
    if (port < 1 || port > 65535) invalid(path, `port "${value}" is not between 1 and 65535`);
    return { kind: 'range', from: port, to: port };
  }
  const problem = portNameProblem(value);
  if (problem !== undefined) invalid(path, `named port "${value}" ${problem}`);
  return { kind: 'named', name: value };
}
