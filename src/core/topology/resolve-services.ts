/**
 * Services as the API server admits them: ports named when there are several and each name once,
 * node ports in 30000-32767 and only on NodePort Services, a requested clusterIP inside the
 * service range, traffic policies where they apply. Each refusal is the API server's text, located
 * at the field it names.
 */
import { type Cidr, cidrContains, type Ipv4, parseIpv4 } from '../net/index.js';
import type { IssueSink } from './issue-sink.js';
import type { Origin, ServicePortSpec, ServiceSpec } from './model.js';
import type { ServiceManifest } from './schema-services.js';

/** kubeadm's --service-cluster-ip-range. */
export const SERVICE_CIDR: Cidr = { base: 0x0a600000, len: 12 };
export const NODE_PORT_RANGE = { min: 30000, max: 32767 } as const;

export function resolveService(sink: IssueSink, manifest: ServiceManifest, origin: Origin): ServiceSpec | undefined {
  const before = sink.issues.length;
  const { name } = manifest.metadata;
  const at = (path: (string | number)[]): Origin => ({ ...origin, path: [...origin.path, ...path] });
  const invalid = (path: (string | number)[], message: string) =>
    sink.report(at(path), 'invalid-value', `The Service "${name}" is invalid: ${message}`);
  const { spec } = manifest;
  if (spec.type === 'LoadBalancer' || spec.type === 'ExternalName')
    sink.report(
      at(['spec', 'type']),
      'not-modelled',
      `podnet does not model ${spec.type} Services (no cloud load balancer, no external names); use ClusterIP or NodePort`,
    );
  const ports = spec.ports ?? [];
  const headless = spec.clusterIP === 'None';
  if (ports.length === 0 && !headless) invalid(['spec', 'ports'], 'spec.ports: Required value');
  checkPorts(ports, spec.type, invalid);
  const clusterIP = requestedClusterIP(spec.clusterIP, invalid);
  if (headless && spec.type === 'NodePort')
    invalid(
      ['spec', 'clusterIP'],
      'spec.clusterIP: Invalid value: "None": may not be set to \'None\' for NodePort services',
    );
  if (spec.externalTrafficPolicy !== undefined && spec.type === 'ClusterIP' && (spec.externalIPs ?? []).length === 0)
    invalid(
      ['spec', 'externalTrafficPolicy'],
      `spec.externalTrafficPolicy: Invalid value: "${spec.externalTrafficPolicy}": may only be set for externally-accessible services`,
    );
  const externalIPs = (spec.externalIPs ?? []).flatMap((text, i): Ipv4[] => {
    const ip = parseIpv4(text);
    if (ip === null)
      invalid(
        ['spec', 'externalIPs', i],
        `spec.externalIPs[${i}]: Invalid value: "${text}": must be a valid IP address`,
      );
    return ip === null ? [] : [ip];
  });
  if (sink.issues.length > before) return undefined;
  return {
    namespace: manifest.metadata.namespace ?? 'default',
    name,
    labels: manifest.metadata.labels ?? {},
    annotations: manifest.metadata.annotations ?? {},
    type: spec.type === 'NodePort' ? 'NodePort' : 'ClusterIP',
    ...(spec.selector !== undefined ? { selector: spec.selector } : {}),
    ...(clusterIP !== undefined ? { clusterIP } : {}),
    ports: ports.map(
      (p): ServicePortSpec => ({
        ...(p.name !== undefined && p.name !== '' ? { name: p.name } : {}),
        protocol: p.protocol,
        port: p.port,
        targetPort: p.targetPort ?? p.port,
        ...(p.nodePort !== undefined ? { nodePort: p.nodePort } : {}),
      }),
    ),
    externalIPs,
    sessionAffinity: spec.sessionAffinity ?? 'None',
    externalTrafficPolicy: spec.externalTrafficPolicy ?? 'Cluster',
    internalTrafficPolicy: spec.internalTrafficPolicy ?? 'Cluster',
    publishNotReadyAddresses: spec.publishNotReadyAddresses ?? false,
    origin,
  };
}

/** Names present when there are several, each once; node ports only on NodePort, in range. */
function checkPorts(
  ports: NonNullable<ServiceManifest['spec']['ports']>,
  type: ServiceManifest['spec']['type'],
  invalid: (path: (string | number)[], message: string) => void,
): void {
  const names = new Set<string>();
  ports.forEach((p, i) => {
    if (ports.length > 1 && (p.name === undefined || p.name === ''))
      invalid(['spec', 'ports', i], `spec.ports[${i}].name: Required value`);
    if (p.name !== undefined && names.has(p.name))
      invalid(['spec', 'ports', i, 'name'], `spec.ports[${i}].name: Duplicate value: "${p.name}"`);
    if (p.name !== undefined) names.add(p.name);
    if (p.nodePort === undefined) return;
    if (type !== 'NodePort')
      invalid(
        ['spec', 'ports', i, 'nodePort'],
        `spec.ports[${i}].nodePort: Forbidden: may not be used when \`type\` is '${type}'`,
      );
    else if (p.nodePort < NODE_PORT_RANGE.min || p.nodePort > NODE_PORT_RANGE.max)
      invalid(
        ['spec', 'ports', i, 'nodePort'],
        `spec.ports[${i}].nodePort: Invalid value: ${p.nodePort}: provided port is not in the valid range. The range of valid ports is ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}`,
      );
  });
}

function requestedClusterIP(
  text: string | undefined,
  invalid: (path: (string | number)[], message: string) => void,
): Ipv4 | 'None' | undefined {
  if (text === undefined || text === '') return undefined;
  if (text === 'None') return 'None';
  const ip = parseIpv4(text);
  const field = 'spec.clusterIPs';
  if (ip === null) {
    invalid(['spec', 'clusterIP'], `${field}: Invalid value: []string{"${text}"}: must be a valid IP address`);
    return undefined;
  }
  if (!cidrContains(SERVICE_CIDR, ip)) {
    invalid(
      ['spec', 'clusterIP'],
      `${field}: Invalid value: []string{"${text}"}: failed to allocate IP ${text}: the provided IP (${text}) is not in the valid range. The range of valid IPs is 10.96.0.0/12`,
    );
    return undefined;
  }
  return ip;
}
