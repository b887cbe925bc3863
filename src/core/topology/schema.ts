/**
 * The written topology format and the Kubernetes/Calico resources it accepts, as zod schemas.
 *
 * "Written" means as a user types it: every field optional where Calico or Kubernetes has a
 * default, and nothing cross-checked yet (resolve.ts does that). The same schemas produce the
 * JSON Schema shipped in schema/topology.schema.json, so editors and podnet agree on the format.
 */
import * as z from 'zod';

import {
  asNumberSchema,
  durationSchema,
  encapModeSchema,
  labelsSchema,
  notModelled,
  onlyDefault,
  portNumber,
  text,
} from './schema-fields.js';
import { type containerSchema, podManifest } from './schema-workloads.js';

export * from './schema-fields.js';
export * from './schema-policy.js';
export * from './schema-services.js';
export * from './schema-workloads.js';

export const bgpConfigurationSpec = z.strictObject({
  asNumber: asNumberSchema.default(64512).describe('default AS of every node (Calico: 64512)'),
  nodeToNodeMeshEnabled: z.boolean().default(true).describe('full iBGP mesh between all nodes'),
  listenPort: z.number().int().min(1).max(65535).default(179),
  nodeMeshMaxRestartTime: durationSchema
    .optional()
    .describe("graceful-restart time of mesh sessions: how long peers keep a restarting node's routes (default 120s)"),
  logSeverityScreen: onlyDefault(z.string(), (level) => level === 'Info', 'BIRD log levels other than Info'),
  serviceClusterIPs: z
    .array(z.strictObject({ cidr: text('a CIDR of Service ClusterIPs, e.g. 10.96.0.0/12') }))
    .optional()
    .describe('every node advertises these to its BGP peers (Calico service advertisement)'),
  serviceExternalIPs: z
    .array(z.strictObject({ cidr: text('a CIDR of Service external IPs') }))
    .optional()
    .describe('every node advertises these to its BGP peers'),
  serviceLoadBalancerIPs: notModelled('LoadBalancer Services'),
});

export const ipamConfigurationSpec = z.strictObject({
  strictAffinity: z.boolean().default(false).describe("forbid borrowing addresses from other nodes' blocks"),
  maxBlocksPerHost: z.number().int().min(0).default(20).describe("blocks a node may claim (0 = Calico's built-in 20)"),
  autoAllocateBlocks: z.boolean().default(true),
});

export const ipPoolSpec = z.strictObject({
  cidr: text('the pool, e.g. 192.168.0.0/16 (a masked network)'),
  blockSize: z.number().int().default(26).describe('prefix length of the blocks handed to nodes (20-32)'),
  ipipMode: encapModeSchema.default('Never'),
  vxlanMode: encapModeSchema.default('Never'),
  natOutgoing: z.boolean().default(false),
  nodeSelector: z.string().default('all()').describe('Calico selector of the nodes that may use this pool'),
  disabled: z.boolean().default(false),
  disableBGPExport: z.boolean().default(false),
  allowedUses: notModelled('pool uses: every pool serves both workloads and tunnel addresses'),
});

export const ipPoolEntry = ipPoolSpec.extend({ name: text('pool name, e.g. default-ipv4-ippool') });

export const taintSchema = z.strictObject({
  key: text('taint key'),
  value: z.string().optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']),
});

export const nodeEntry = z.strictObject({
  name: text('node name (its hostname)'),
  address: text('node address with prefix length, e.g. 10.0.1.11/24; the prefix is its subnet'),
  role: z.enum(['control-plane', 'worker']).default('worker'),
  labels: labelsSchema.optional(),
  taints: z
    .array(taintSchema)
    .optional()
    .describe('default: control-plane nodes get node-role.kubernetes.io/control-plane:NoSchedule'),
  asNumber: asNumberSchema.optional().describe('per-node AS override'),
  routeReflectorClusterID: z.string().optional().describe('makes the node a route reflector (dotted quad)'),
  gateway: z.string().optional().describe('default gateway on the node subnet'),
  podCIDR: z.string().optional().describe('Node.spec.podCIDR (informational: calico-ipam ignores it)'),
});

export const routerInterface = z.strictObject({
  name: z.string().optional(),
  address: text('interface address with prefix length, e.g. 10.0.1.1/24'),
});

export const routerPeer = z.strictObject({
  node: z.string().optional(),
  router: z.string().optional(),
  nodeSelector: z.string().optional(),
  peerIP: z.string().optional(),
  asNumber: asNumberSchema.optional(),
  routeReflectorClient: z.boolean().optional().describe('the router reflects routes to this peer (rr client)'),
  multihop: z
    .boolean()
    .optional()
    .describe(
      "BIRD's multihop (true) or direct (false) session; default: direct for an eBGP peer on one of the router's subnets, multihop otherwise and for iBGP (BIRD's default)",
    ),
  nextHopMode: z
    .enum(['Auto', 'Self', 'Keep'])
    .optional()
    .describe(
      "the next hop the router sends: Self (next hop self), Keep (next hop keep) or Auto (BIRD's default); unset: next hop self on eBGP-learned routes towards iBGP peers (next hop self ebgp, the usual ToR configuration), Auto towards eBGP peers",
    ),
  addPaths: z
    .boolean()
    .optional()
    .describe(
      "BIRD's add paths on: the router offers ADD-PATH, which a Calico node (whose template always offers it) then negotiates, so each side sends every path it may, not only its best; default false, BIRD's default",
    ),
});

export const staticRoute = z.strictObject({
  dst: text('destination prefix'),
  via: text('next hop address'),
});

export const routerEntry = z.strictObject({
  name: text('router name'),
  asNumber: asNumberSchema,
  routerId: z.string().optional(),
  routeReflectorClusterID: z.string().optional().describe('cluster ID when the router reflects routes (dotted quad)'),
  interfaces: z.array(routerInterface).min(1, 'a router needs at least one interface'),
  peers: z.array(routerPeer).optional().describe('BGP neighbours of the router'),
  routes: z.array(staticRoute).optional().describe('static routes'),
});

export const segmentEntry = z.strictObject({
  name: text('segment name'),
  cidr: text("the layer-2 segment's subnet"),
});

export const bgpPeerSpec = z.strictObject({
  node: z.string().optional(),
  nodeSelector: z.string().optional(),
  peerIP: z.string().optional(),
  peerSelector: z.string().optional(),
  asNumber: asNumberSchema.optional(),
  localASNumber: notModelled('a per-peer local AS number'),
  keepOriginalNextHop: z.boolean().optional(),
  nextHopMode: z.enum(['Auto', 'Self', 'Keep']).optional(),
  sourceAddress: onlyDefault(
    z.enum(['UseNodeIP', 'None']),
    (source) => source === 'UseNodeIP',
    'BGP sessions from other than the node IP',
  ),
  keepaliveTime: notModelled('per-peer BGP timers'),
  maxRestartTime: durationSchema
    .optional()
    .describe(
      "graceful-restart time on this peering: how long the peer keeps a restarting node's routes (default 120s)",
    ),
  numAllowedLocalASNumbers: notModelled('allowas-in'),
});

export const bgpPeerEntry = bgpPeerSpec.extend({ name: text('peer name') });

export const podFileReference = z.strictObject({
  file: text('path of a YAML file with one or more Pod manifests, relative to this file'),
});

export const imageEntry = z.strictObject({
  ports: z.array(portNumber).optional().describe('ports the image listens on (default: the declared containerPorts)'),
  pullSeconds: z.number().nonnegative().optional(),
  exitAfter: durationSchema.optional().describe('the process exits this long after it starts'),
  exitCode: z.number().int().min(0).max(255).optional(),
});

const linkPair = z.tuple([z.string(), z.string()]).describe('the two ends: node or router names');

export const eventEntry = z.discriminatedUnion('action', [
  z.strictObject({ at: durationSchema, action: z.literal('link-down'), link: linkPair }),
  z.strictObject({ at: durationSchema, action: z.literal('link-up'), link: linkPair }),
  z.strictObject({ at: durationSchema, action: z.literal('node-down'), node: text('node or router name') }),
  z.strictObject({ at: durationSchema, action: z.literal('node-up'), node: text('node or router name') }),
  z.strictObject({
    at: durationSchema,
    action: z
      .literal('node-restart')
      .describe("BIRD restarts gracefully (a calico-node restart): peers keep the machine's routes as stale"),
    node: text('node or router name'),
    downFor: durationSchema.optional().describe('how long BIRD is down before it starts again (default 10s)'),
  }),
  z.strictObject({
    at: durationSchema,
    action: z
      .enum(['session-down', 'session-up'])
      .describe("birdc disable / enable of the first machine's protocol for its session with the second"),
    session: z.tuple([z.string(), z.string()]).describe('the machine whose protocol it is, and its peer'),
  }),
  z.strictObject({ at: durationSchema, action: z.literal('pod-create'), pod: podManifest }),
  z.strictObject({ at: durationSchema, action: z.literal('pod-delete'), pod: text('pod name, or namespace/name') }),
  z.strictObject({
    at: durationSchema,
    action: z.literal('scale').describe('kubectl scale: a controller gets a new replica count'),
    controller: text('TYPE/NAME: rc/NAME, rs/NAME or deploy/NAME'),
    replicas: z.number().int().min(0).max(1_000_000),
  }),
  z.strictObject({
    at: durationSchema,
    action: z
      .enum(['block-port', 'unblock-port'])
      .describe('a firewall rule dropping a TCP port in both directions on a machine'),
    node: text('node or router name'),
    port: portNumber.optional().describe("default: BGP, the cluster's bgp.listenPort (179 unless configured)"),
  }),
]);

const checkName = z.string().optional().describe('what the check is called in reports');

export const checkEntry = z.discriminatedUnion('check', [
  z.strictObject({
    check: z.literal('reach').describe('a pod reaches another pod (or address) on a port'),
    name: checkName,
    from: text('source pod (name or namespace/name)'),
    to: text("destination pod, an IPv4 address, or localhost (the source pod's own loopback)"),
    port: portNumber.optional(),
    expect: z
      .enum([
        'ACCEPTED',
        'CONNECTION_REFUSED',
        'NO_ROUTE',
        'NULL_ROUTED',
        'LOOP',
        'TTL_EXCEEDED',
        'NEIGHBOR_UNREACHABLE',
        'EXITS_NETWORK',
        'REJECTED',
        'DROPPED',
        'NXDOMAIN',
        'DNS_UNANSWERED',
        'DENIED_OUT',
        'DENIED_IN',
      ])
      .default('ACCEPTED'),
  }),
  z.strictObject({
    check: z.literal('policy').describe('which policy rule decides a connection, as podnet policy explain shows it'),
    name: checkName,
    from: text('source pod (name or namespace/name)'),
    to: text('destination pod, Service or DNS name, or IPv4 address'),
    port: portNumber.optional(),
    policy: text('the deciding policy: namespace/name of a NetworkPolicy (either API), or a GlobalNetworkPolicy name'),
    rule: z
      .string()
      .optional()
      .describe('its rule, as ingress[0] or egress[1], or end-of-tier when no rule matched and the tier denied'),
    action: z.enum(['Allow', 'Deny']).optional().describe('what the rule does'),
  }),
  z.strictObject({
    check: z.literal('peers').describe('a node has exactly this many established BGP peers'),
    name: checkName,
    node: text('node or router'),
    established: z.number().int().min(0),
  }),
  z.strictObject({
    check: z.literal('best').describe('a prefix is best via a next hop, or learned from a reflector'),
    name: checkName,
    node: text('node or router'),
    prefix: text('prefix, e.g. 192.168.10.0/26'),
    via: z.string().optional().describe('the next hop address'),
    from: z.string().optional().describe('the neighbour it was learned from (node or router name)'),
  }),
  z.strictObject({
    check: z.literal('no-route').describe('no node (or the listed ones) has a route to an address'),
    name: checkName,
    to: text('an IPv4 address'),
    nodes: z.array(z.string()).optional(),
  }),
  z.strictObject({
    check: z.literal('free-blocks').describe('a pool still has unclaimed blocks'),
    name: checkName,
    pool: text('pool name'),
    atLeast: z.number().int().min(0).default(1),
  }),
  z.strictObject({
    check: z.literal('converged').describe('routes stop changing within a time after the last event'),
    name: checkName,
    within: durationSchema,
  }),
  z.strictObject({
    check: z.literal('pods').describe('the pods a selector (or a name) picks: how many, where, in what state'),
    name: checkName,
    selector: z.string().optional().describe('a kubectl label selector, e.g. app=date'),
    pod: z.string().optional().describe('one pod by name (or namespace/name) instead of a selector'),
    node: z.string().optional().describe('only pods on this node'),
    count: z.number().int().min(0).optional().describe('exactly this many'),
    status: z.string().optional().describe("each one's STATUS as kubectl get pods shows it, e.g. Running, Terminating"),
    ready: z.boolean().optional().describe('each one Ready (true) or not (false)'),
    at: durationSchema.optional().describe('the moment to look (default: when the checks run)'),
  }),
  z.strictObject({
    check: z.literal('replicas').describe('a controller has this many ready replicas'),
    name: checkName,
    controller: text('TYPE/NAME: rc/NAME, rs/NAME or deploy/NAME'),
    ready: z.number().int().min(0),
    at: durationSchema.optional().describe('the moment to look (default: when the checks run)'),
  }),
  z.strictObject({
    check: z.literal('endpoints').describe('a Service has this many ready endpoints (get endpoints)'),
    name: checkName,
    service: text('Service name, or namespace/name'),
    ready: z.number().int().min(0),
    at: durationSchema.optional().describe('the moment to look (default: when the checks run)'),
  }),
  z.strictObject({
    check: z.literal('node').describe("a node's Ready condition, as kubectl get nodes shows it"),
    name: checkName,
    node: text('node name'),
    ready: z.boolean(),
    at: durationSchema.optional().describe('the moment to look (default: when the checks run)'),
  }),
]);

export type CheckEntry = z.output<typeof checkEntry>;

export const clusterSection = z.strictObject({
  name: text('cluster name'),
  seed: z.number().int().min(0).default(1).describe('random seed: the same files and seed give the same output'),
  bgp: bgpConfigurationSpec.prefault({}),
  ipam: ipamConfigurationSpec.prefault({}),
  coreDNS: z
    .boolean()
    .optional()
    .describe(
      "run kubeadm's CoreDNS Deployment (2 replicas in kube-system) behind kube-dns: lookups in traces then go to it",
    ),
});

export const topologyDocument = z.strictObject({
  cluster: clusterSection,
  pools: z
    .array(ipPoolEntry)
    .optional()
    .describe('IP pools; default: default-ipv4-ippool 192.168.0.0/16, IPIP Always, natOutgoing'),
  nodes: z.array(nodeEntry).default([]),
  routers: z.array(routerEntry).optional(),
  segments: z
    .array(segmentEntry)
    .optional()
    .describe("named layer-2 segments; an address outside them gets its own subnet's segment"),
  peers: z.array(bgpPeerEntry).optional().describe('BGPPeer resources'),
  pods: z.array(z.union([podFileReference, podManifest])).optional(),
  images: z
    .record(z.string(), imageEntry)
    .optional()
    .describe('the offline registry: images beyond the built-in catalogue'),
  events: z.array(eventEntry).optional().describe('timed scenario events'),
  checks: z.array(checkEntry).optional().describe('checks for grading: podnet check FILE runs them'),
});

export type TopologyDocument = z.output<typeof topologyDocument>;
export type PodManifest = z.output<typeof podManifest>;
export type ContainerManifest = z.output<typeof containerSchema>;
export type EventEntry = z.output<typeof eventEntry>;
export type ImageEntry = z.output<typeof imageEntry>;

// Calico and Kubernetes resources that may stand as extra YAML documents in a topology file.
const calicoMeta = z.strictObject({
  name: text('resource name'),
  labels: labelsSchema.optional(),
  annotations: labelsSchema.optional(),
});
const calicoApi = z.literal('projectcalico.org/v3', 'Calico resources have apiVersion: projectcalico.org/v3');

export const ipPoolResource = z.strictObject({
  apiVersion: calicoApi,
  kind: z.literal('IPPool'),
  metadata: calicoMeta,
  spec: ipPoolSpec,
});
export const bgpPeerResource = z.strictObject({
  apiVersion: calicoApi,
  kind: z.literal('BGPPeer'),
  metadata: calicoMeta,
  spec: bgpPeerSpec,
});
export const bgpConfigurationResource = z.strictObject({
  apiVersion: calicoApi,
  kind: z.literal('BGPConfiguration'),
  metadata: calicoMeta,
  spec: bgpConfigurationSpec.partial(),
});
export const ipamConfigurationResource = z.strictObject({
  apiVersion: calicoApi,
  kind: z.literal('IPAMConfiguration'),
  metadata: calicoMeta,
  spec: ipamConfigurationSpec.partial(),
});
export const calicoNodeResource = z.strictObject({
  apiVersion: calicoApi,
  kind: z.literal('Node'),
  metadata: calicoMeta,
  spec: z.strictObject({
    bgp: z.strictObject({
      ipv4Address: text('node address with prefix length'),
      asNumber: asNumberSchema.optional(),
      routeReflectorClusterID: z.string().optional(),
      ipv4IPIPTunnelAddr: notModelled('setting tunnel addresses: calico-node assigns them from the pool'),
    }),
  }),
});
export const kubeNodeResource = z.strictObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('Node'),
  metadata: calicoMeta,
  spec: z
    .strictObject({
      taints: z.array(taintSchema).optional(),
      podCIDR: z.string().optional(),
      podCIDRs: z.array(z.string()).optional(),
    })
    .optional(),
});

export const RESOURCE_KINDS = [
  'Pod',
  'Service',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'Node',
  'IPPool',
  'BGPPeer',
  'BGPConfiguration',
  'IPAMConfiguration',
  'NetworkPolicy',
  'GlobalNetworkPolicy',
  'Namespace',
  'Tier',
] as const;
