/**
 * kubectl's layouts for Services: `get svc` (TYPE, CLUSTER-IP, EXTERNAL-IP, PORT(S)), `get
 * endpoints` and `get endpointslices` (the ready addresses, three then "+ N more..."), `describe
 * svc`, and the objects of `-o json|yaml`.
 */

import { type Endpoint, endpointsOf } from '../../core/cluster/endpoints.js';
import type { Cluster } from '../../core/cluster/index.js';
import type { ServiceRecord } from '../../core/cluster/services.js';
import { formatIpv4 } from '../../core/net/index.js';
import { fnv1a, kubeSafe } from '../../core/topology/names.js';
import { formatLabels, type Moment } from './kubectl.js';
import { KUBECTL_DESCRIBE, kubectlTable, tabwrite } from './tabwriter.js';
import { humanDuration, rfc3339 } from './time.js';

export function clusterIpText(record: ServiceRecord): string {
  return record.clusterIP === undefined ? 'None' : formatIpv4(record.clusterIP);
}

function portsText(record: ServiceRecord): string {
  const ports = record.spec.ports.map((p, i) => {
    const nodePort = record.nodePorts[i];
    return `${p.port}${nodePort === undefined ? '' : `:${nodePort}`}/${p.protocol}`;
  });
  return ports.length === 0 ? '<none>' : ports.join(',');
}

function selectorText(record: ServiceRecord): string {
  return record.spec.selector === undefined ? '<none>' : formatLabels(record.spec.selector);
}

export function getServices(
  records: readonly ServiceRecord[],
  moment: Moment,
  options: { wide: boolean; allNamespaces: boolean; prefix?: string },
): string {
  const header = [
    ...(options.allNamespaces ? ['NAMESPACE'] : []),
    'NAME',
    'TYPE',
    'CLUSTER-IP',
    'EXTERNAL-IP',
    'PORT(S)',
    'AGE',
    ...(options.wide ? ['SELECTOR'] : []),
  ];
  const rows = records.map((r) => [
    ...(options.allNamespaces ? [r.spec.namespace] : []),
    `${options.prefix ?? ''}${r.spec.name}`,
    r.spec.type,
    clusterIpText(r),
    r.spec.externalIPs.length === 0 ? '<none>' : r.spec.externalIPs.map(formatIpv4).join(','),
    portsText(r),
    humanDuration(moment.now - r.createdAt),
    ...(options.wide ? [selectorText(r)] : []),
  ]);
  return kubectlTable(header, rows);
}

/** Every port's endpoints, merged as the Endpoints object lists them. */
export function serviceEndpoints(cluster: Cluster, record: ServiceRecord, now: number): Endpoint[] {
  return record.spec.ports.flatMap((_, i) => endpointsOf(cluster, record, i, now));
}

/** kubectl's ENDPOINTS cell: the first three, then "+ N more...". */
function endpointsCell(texts: readonly string[]): string {
  if (texts.length === 0) return '<none>';
  const shown = texts.slice(0, 3).join(',');
  return texts.length > 3 ? `${shown} + ${texts.length - 3} more...` : shown;
}

export function getEndpoints(cluster: Cluster, records: readonly ServiceRecord[], moment: Moment): string {
  const rows = records.map((r) => [
    r.spec.name,
    endpointsCell(
      serviceEndpoints(cluster, r, moment.now)
        .filter((e) => e.ready)
        .map((e) => `${formatIpv4(e.ip)}:${e.port}`),
    ),
    humanDuration(moment.now - r.createdAt),
  ]);
  return kubectlTable(['NAME', 'ENDPOINTS', 'AGE'], rows);
}

/** The EndpointSlice controller's name for a Service's slice: `<svc>-<5 chars>` (kubernetes's is its own). */
export function sliceName(record: ServiceRecord): string {
  if (record.builtin && record.spec.selector === undefined) return record.spec.name;
  return `${record.spec.name}-${kubeSafe(fnv1a(`slice/${record.spec.namespace}/${record.spec.name}`), 5)}`;
}

export function getEndpointSlices(cluster: Cluster, records: readonly ServiceRecord[], moment: Moment): string {
  const rows = records.map((r) => {
    const endpoints = serviceEndpoints(cluster, r, moment.now);
    const ports = [...new Set(endpoints.map((e) => e.port))];
    const addresses = [...new Set(endpoints.map((e) => formatIpv4(e.ip)))];
    return [
      sliceName(r),
      'IPv4',
      ports.length === 0 ? '<unset>' : ports.join(','),
      endpointsCell(addresses),
      humanDuration(moment.now - r.createdAt),
    ];
  });
  return kubectlTable(['NAME', 'ADDRESSTYPE', 'PORTS', 'ENDPOINTS', 'AGE'], rows);
}

export function describeService(cluster: Cluster, record: ServiceRecord, moment: Moment): string {
  const { spec } = record;
  const ip = clusterIpText(record);
  const lines = [
    `Name:\t${spec.name}`,
    `Namespace:\t${spec.namespace}`,
    `Labels:\t${formatLabels(spec.labels).replaceAll(',', '\n\t')}`,
    `Annotations:\t${
      Object.keys(spec.annotations).length === 0
        ? '<none>'
        : Object.entries(spec.annotations)
            .map(([k, v]) => `${k}: ${v}`)
            .join('\n\t')
    }`,
    `Selector:\t${selectorText(record)}`,
    `Type:\t${spec.type}`,
    'IP Family Policy:\tSingleStack',
    'IP Families:\tIPv4',
    `IP:\t${ip}`,
    `IPs:\t${ip}`,
    ...(spec.externalIPs.length > 0 ? [`External IPs:\t${spec.externalIPs.map(formatIpv4).join(',')}`] : []),
    ...spec.ports.flatMap((p, i) => {
      const ready = endpointsOf(cluster, record, i, moment.now).filter((e) => e.ready);
      const nodePort = record.nodePorts[i];
      return [
        `Port:\t${p.name ?? '<unset>'}  ${p.port}/${p.protocol}`,
        `TargetPort:\t${p.targetPort}/${p.protocol}`,
        ...(nodePort === undefined ? [] : [`NodePort:\t${p.name ?? '<unset>'}  ${nodePort}/${p.protocol}`]),
        `Endpoints:\t${ready.map((e) => `${formatIpv4(e.ip)}:${e.port}`).join(',')}`,
      ];
    }),
    `Session Affinity:\t${spec.sessionAffinity}`,
    ...(spec.type === 'NodePort' || spec.externalIPs.length > 0
      ? [`External Traffic Policy:\t${spec.externalTrafficPolicy}`]
      : []),
    `Internal Traffic Policy:\t${spec.internalTrafficPolicy}`,
    'Events:\t<none>',
  ];
  return tabwrite(lines.join('\n'), KUBECTL_DESCRIBE);
}

export function serviceObject(record: ServiceRecord, moment: Moment): object {
  const { spec } = record;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: spec.name,
      namespace: spec.namespace,
      creationTimestamp: rfc3339(moment.epochMs + record.createdAt * 1000),
      ...(Object.keys(spec.labels).length > 0 ? { labels: spec.labels } : {}),
    },
    spec: {
      type: spec.type,
      clusterIP: clusterIpText(record),
      clusterIPs: [clusterIpText(record)],
      ...(spec.selector !== undefined ? { selector: spec.selector } : {}),
      ports: spec.ports.map((p, i) => ({
        ...(p.name !== undefined ? { name: p.name } : {}),
        protocol: p.protocol,
        port: p.port,
        targetPort: p.targetPort,
        ...(record.nodePorts[i] !== undefined ? { nodePort: record.nodePorts[i] } : {}),
      })),
      ...(spec.externalIPs.length > 0 ? { externalIPs: spec.externalIPs.map(formatIpv4) } : {}),
      sessionAffinity: spec.sessionAffinity,
      ...(spec.type === 'NodePort' ? { externalTrafficPolicy: spec.externalTrafficPolicy } : {}),
      internalTrafficPolicy: spec.internalTrafficPolicy,
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
    },
    status: { loadBalancer: {} },
  };
}
