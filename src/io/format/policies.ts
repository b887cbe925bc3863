/**
 * Policy objects as kubectl and calicoctl print them: `get networkpolicy` (NAME POD-SELECTOR AGE),
 * `describe networkpolicy` (kubectl's describer, its fixed phrases word for word), `get namespaces`,
 * and calicoctl 3.29's `get networkpolicy|globalnetworkpolicy|tier` tables.
 */
import type { Stored } from '../../core/cluster/policies.js';
import { byCodeUnit } from '../../core/order.js';
import { requirementsOf, selectorText } from '../../core/topology/label-requirements.js';
import { calicoPolicyName, type PolicySpec, type TierSpec } from '../../core/topology/policy-model.js';
import type {
  NetworkPolicyManifest,
  NetworkPolicyPeerManifest,
  NetworkPolicyPortManifest,
} from '../../core/topology/schema-policy.js';
import { formatLabels, type Moment } from './kubectl.js';
import { KUBECTL_DESCRIBE, kubectlTable, tabwrite } from './tabwriter.js';
import { humanDuration } from './time.js';

type K8sSpec = NetworkPolicyManifest['spec'];

export function getNetworkPolicies(
  records: readonly Stored<PolicySpec>[],
  moment: Moment,
  options: { allNamespaces: boolean },
): string {
  const header = [...(options.allNamespaces ? ['NAMESPACE'] : []), 'NAME', 'POD-SELECTOR', 'AGE'];
  const rows = records.map((r) => [
    ...(options.allNamespaces ? [r.spec.namespace ?? ''] : []),
    r.spec.name,
    r.spec.selector.text,
    humanDuration(moment.now - r.createdAt),
  ]);
  return kubectlTable(header, rows);
}

/** Go's `2006-01-02 15:04:05 -0700 MST` in UTC, as kubectl describe prints `Created on:`. */
function goTime(epochMs: number): string {
  return `${new Date(epochMs)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, '')} +0000 UTC`;
}

export function describeNetworkPolicy(record: Stored<PolicySpec>, moment: Moment): string {
  const { spec } = record;
  const manifest = spec.manifest as unknown as NetworkPolicyManifest;
  const annotations = manifest.metadata.annotations ?? {};
  const head = tabwrite(
    [
      `Name:\t${spec.name}`,
      `Namespace:\t${spec.namespace}`,
      `Created on:\t${goTime(moment.epochMs + record.createdAt * 1000)}`,
      `Labels:\t${formatLabels(spec.labels).replaceAll(',', '\n\t')}`,
      `Annotations:\t${Object.keys(annotations).length === 0 ? '<none>' : formatLabels(annotations)}`,
    ].join('\n'),
    KUBECTL_DESCRIBE,
  );
  const selector =
    spec.selector.text === '<none>'
      ? '<none> (Allowing the specific traffic to all pods in this namespace)'
      : spec.selector.text;
  const lines = [
    'Spec:',
    `  PodSelector:     ${selector}`,
    ...directionLines(manifest.spec, 'ingress', spec.types.includes('ingress')),
    ...directionLines(manifest.spec, 'egress', spec.types.includes('egress')),
    `  Policy Types: ${spec.types.map((t) => (t === 'ingress' ? 'Ingress' : 'Egress')).join(', ')}`,
  ];
  return `${head}\n${lines.join('\n')}`;
}

function directionLines(spec: K8sSpec, direction: 'ingress' | 'egress', affected: boolean): string[] {
  if (!affected) return [`  Not affecting ${direction} traffic`];
  const rules = spec[direction] ?? [];
  if (rules.length === 0)
    return [
      `  Allowing ${direction} traffic:`,
      `    <none> (Selected pods are isolated for ${direction} connectivity)`,
    ];
  const body = rules.map((rule) => {
    const peers = 'from' in rule ? rule.from : 'to' in rule ? rule.to : undefined;
    const word = direction === 'ingress' ? 'From' : 'To';
    return [...portLines(rule.ports), ...peerLines(peers, word, direction)];
  });
  return [
    `  Allowing ${direction} traffic:`,
    ...body.flatMap((lines, i) => (i === 0 ? lines : ['    ----------', ...lines])),
  ];
}

function portLines(ports: readonly NetworkPolicyPortManifest[] | undefined): string[] {
  if (ports === undefined || ports.length === 0) return ['    To Port: <any> (traffic allowed to all ports)'];
  return ports.map((p) => {
    if (p.port === undefined) return `    To Port: <any> (traffic allowed to all ports)/${p.protocol}`;
    if (p.endPort !== undefined) return `    To Port Range: ${p.port}-${p.endPort}/${p.protocol}`;
    return `    To Port: ${p.port}/${p.protocol}`;
  });
}

function peerLines(peers: readonly NetworkPolicyPeerManifest[] | undefined, word: string, direction: string): string[] {
  if (peers === undefined || peers.length === 0)
    return [`    ${word}: <any> (traffic not restricted by ${direction === 'ingress' ? 'source' : 'destination'})`];
  return [
    `    ${word}:`,
    ...peers.flatMap((peer, i) => [
      ...(i > 0 ? ['    ----------'] : []),
      ...(peer.namespaceSelector !== undefined
        ? [`      NamespaceSelector: ${selectorText(requirementsOf(peer.namespaceSelector))}`]
        : []),
      ...(peer.podSelector !== undefined
        ? [`      PodSelector: ${selectorText(requirementsOf(peer.podSelector))}`]
        : []),
      ...(peer.ipBlock !== undefined
        ? [
            '      IPBlock:',
            `        CIDR: ${peer.ipBlock.cidr}`,
            `        Except: ${(peer.ipBlock.except ?? []).join(', ')}`,
          ]
        : []),
    ]),
  ];
}

export function getNamespaces(names: readonly string[], createdAt: (name: string) => number, moment: Moment): string {
  return kubectlTable(
    ['NAME', 'STATUS', 'AGE'],
    names.map((name) => [name, 'Active', humanDuration(moment.now - createdAt(name))]),
  );
}

/** calicoctl 3.29's `get networkpolicy|globalnetworkpolicy`: NAME TIER, or with -o wide ORDER SELECTOR. */
export function calicoctlPolicies(
  policies: readonly PolicySpec[],
  options: { wide: boolean; namespaced: boolean },
): string {
  const header = [
    ...(options.namespaced ? ['NAMESPACE'] : []),
    'NAME',
    'TIER',
    ...(options.wide ? ['ORDER', 'SELECTOR'] : []),
  ];
  const rows = policies.map((p) => [
    ...(options.namespaced ? [p.namespace ?? ''] : []),
    calicoPolicyName(p),
    p.tier,
    ...(options.wide ? [p.order === undefined ? '' : String(p.order), calicoSelectorText(p)] : []),
  ]);
  return calicoctlTable(header, rows);
}

export function calicoctlTiers(tiers: readonly TierSpec[]): string {
  return calicoctlTable(
    ['NAME', 'ORDER'],
    tiers.map((t) => [t.name, t.order === undefined ? '' : String(t.order)]),
  );
}

/** calicoctl's tables: columns at least three spaces apart, a blank line after. */
function calicoctlTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return `${tabwrite([header, ...rows].map((r) => r.join('\t')).join('\n'), { minWidth: 0, padding: 3 }).trimEnd()}\n\n`;
}

/** A policy's selector in Calico's language; a Kubernetes one as libcalico-go converts it. */
export function calicoSelectorText(policy: PolicySpec): string {
  if (policy.kind !== 'NetworkPolicy') return policy.selector.text === '' ? 'all()' : policy.selector.text;
  const manifest = policy.manifest as unknown as NetworkPolicyManifest;
  const requirements = requirementsOf(manifest.spec.podSelector).sort((a, b) => byCodeUnit(a.key, b.key));
  const terms = requirements.map((r) => {
    const values = `{ ${r.values.map((v) => `'${v}'`).join(', ')} }`;
    if (r.operator === 'Exists') return `has(${r.key})`;
    if (r.operator === 'DoesNotExist') return `! has(${r.key})`;
    if (r.label) return `${r.key} == '${r.values[0]}'`;
    return `${r.key} ${r.operator === 'In' ? 'in' : 'not in'} ${values}`;
  });
  return ["projectcalico.org/orchestrator == 'k8s'", ...terms].join(' && ');
}
