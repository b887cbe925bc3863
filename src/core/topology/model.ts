/**
 * The resolved topology: what the simulator runs on, with every default applied and every
 * reference checked. Each element remembers where it was written (`origin`) so later stages can
 * point a user at the line that caused a decision.
 */
import type { Cidr, Ipv4 } from '../net/index.js';
import type { Labels, Selector } from '../selector/index.js';
import type { NamespaceSpec, PolicySpec, TierSpec } from './policy-model.js';

export type PathSegment = string | number;
export type Path = readonly PathSegment[];

/** A place in the user's input: which document (an index the IO layer owns) and the path in it. */
export interface Origin {
  readonly source: number;
  readonly path: Path;
}

/** A problem with the user's input. `onKey` points at a mapping key rather than its value. */
/**
 * What kind of problem an issue is, for tests and tools to match on (the message is for people):
 * the YAML itself, a file that cannot be read, a document of the wrong shape, the schema's
 * unknown, missing, mistyped or out-of-range values, and the cross-checks (duplicates, names
 * that refer to nothing, overlaps, fields that conflict, sizes past the ceiling, selectors,
 * addresses, CIDRs), and a workspace state that does not hold together.
 */
export type IssueCode =
  | 'yaml'
  | 'unreadable'
  | 'document'
  | 'unknown-key'
  | 'missing-key'
  | 'wrong-type'
  | 'invalid-value'
  | 'out-of-range'
  | 'duplicate'
  | 'unknown-name'
  | 'overlap'
  | 'conflict'
  | 'too-large'
  | 'invalid-selector'
  | 'invalid-address'
  | 'invalid-cidr'
  | 'not-modelled'
  | 'workspace';

export interface Issue {
  readonly at: Origin;
  readonly code: IssueCode;
  readonly message: string;
  readonly onKey?: boolean;
}

export type EncapMode = 'Never' | 'Always' | 'CrossSubnet';

export interface Pool {
  readonly name: string;
  readonly cidr: Cidr;
  readonly blockSize: number;
  readonly ipipMode: EncapMode;
  readonly vxlanMode: EncapMode;
  readonly natOutgoing: boolean;
  readonly nodeSelector: Selector;
  readonly nodeSelectorText: string;
  readonly disabled: boolean;
  readonly disableBGPExport: boolean;
  readonly origin: Origin;
}

export interface Taint {
  readonly key: string;
  readonly value?: string | undefined;
  readonly effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

export interface ClusterNode {
  readonly name: string;
  readonly ip: Ipv4;
  /** The node's subnet from its address's prefix length (Calico's CrossSubnet uses it). */
  readonly subnet: Cidr;
  readonly role: 'control-plane' | 'worker';
  readonly labels: Labels;
  readonly taints: readonly Taint[];
  /** The node's own AS override; the effective AS falls back to the cluster's. */
  readonly asNumber?: number;
  readonly routeReflectorClusterID?: Ipv4;
  readonly gateway?: Ipv4;
  readonly podCIDR?: string;
  readonly segment: string;
  readonly origin: Origin;
}

export interface RouterInterface {
  readonly name: string;
  readonly ip: Ipv4;
  readonly subnet: Cidr;
  readonly segment: string;
}

export interface RouterPeer {
  readonly node?: string;
  readonly router?: string;
  readonly nodeSelector?: Selector;
  readonly peerIP?: Ipv4;
  readonly asNumber?: number;
  readonly routeReflectorClient: boolean;
  /** BIRD's multihop (true) or direct (false); undefined: BIRD's and podnet's default for the session. */
  readonly multihop?: boolean;
  /** undefined: next hop self on eBGP-learned routes towards iBGP peers, BIRD's default towards eBGP peers. */
  readonly nextHopMode?: 'Auto' | 'Self' | 'Keep';
  /** BIRD's `add paths on` for this peer; undefined: off, BIRD's default. */
  readonly addPaths?: boolean;
  readonly origin: Origin;
}

export interface StaticRoute {
  readonly dst: Cidr;
  readonly via: Ipv4;
}

export interface Router {
  readonly name: string;
  readonly asNumber: number;
  readonly routerId: Ipv4;
  readonly routeReflectorClusterID?: Ipv4;
  readonly interfaces: readonly RouterInterface[];
  readonly peers: readonly RouterPeer[];
  readonly routes: readonly StaticRoute[];
  readonly origin: Origin;
}

export interface Segment {
  readonly name: string;
  readonly cidr: Cidr;
}

export interface BgpPeer {
  readonly name: string;
  readonly node?: string;
  readonly nodeSelector?: Selector;
  readonly nodeSelectorText?: string;
  readonly peerIP?: Ipv4;
  readonly peerPort?: number;
  readonly peerSelector?: Selector;
  readonly peerSelectorText?: string;
  readonly asNumber?: number;
  readonly nextHopMode: 'Auto' | 'Self' | 'Keep';
  /** maxRestartTime in seconds: the graceful-restart time the nodes advertise on this peering. */
  readonly maxRestartTime?: number;
  readonly origin: Origin;
}

export interface ContainerPortSpec {
  readonly port: number;
  readonly protocol: 'TCP' | 'UDP' | 'SCTP';
  readonly name?: string;
  readonly hostPort?: number;
}

/** A readiness probe, resolved to the port it connects to. */
export interface ReadinessProbe {
  readonly kind: 'httpGet' | 'tcpSocket';
  readonly port: number;
  readonly path?: string;
  readonly scheme?: 'HTTPS';
  readonly initialDelaySeconds: number;
  readonly periodSeconds: number;
  readonly successThreshold: number;
}

export interface ContainerSpec {
  readonly name: string;
  readonly image: string;
  readonly ports: readonly ContainerPortSpec[];
  readonly readinessProbe?: ReadinessProbe;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
}

export interface Toleration {
  readonly key?: string;
  readonly operator: 'Exists' | 'Equal';
  readonly value?: string;
  readonly effect?: Taint['effect'];
  /** For a NoExecute toleration: how long the pod stays on a node with the taint (none: for ever). */
  readonly tolerationSeconds?: number;
}

/** The controller that owns a pod (its ownerReferences entry with controller: true). */
export interface OwnerRef {
  readonly kind: 'ReplicationController' | 'ReplicaSet';
  readonly name: string;
}

export interface PodSpec {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Labels;
  readonly annotations: Labels;
  readonly containers: readonly ContainerSpec[];
  /** Run one at a time, each to a 0 exit, before the containers start (set only when any). */
  readonly initContainers?: readonly ContainerSpec[];
  readonly nodeName?: string;
  readonly nodeSelector: Labels;
  readonly tolerations: readonly Toleration[];
  readonly restartPolicy: 'Always' | 'OnFailure' | 'Never';
  /** The pod runs in its node's network namespace, on the node's address (set only when true). */
  readonly hostNetwork?: true;
  readonly owner?: OwnerRef;
  readonly origin: Origin;
}

export type WorkloadKind = 'ReplicationController' | 'ReplicaSet' | 'Deployment';

export interface ServicePortSpec {
  readonly name?: string;
  readonly protocol: 'TCP' | 'UDP' | 'SCTP';
  readonly port: number;
  /** The pods' port: a number, or the name of a container port. */
  readonly targetPort: number | string;
  readonly nodePort?: number;
}

/** A v1 Service as submitted; its ClusterIP and node ports are the cluster's to assign when absent. */
export interface ServiceSpec {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Labels;
  readonly annotations: Labels;
  readonly type: 'ClusterIP' | 'NodePort';
  /** Absent: a selector-less Service, whose endpoints nobody manages. */
  readonly selector?: Labels;
  /** A requested address, 'None' for a headless Service, or absent to have one assigned. */
  readonly clusterIP?: Ipv4 | 'None';
  readonly ports: readonly ServicePortSpec[];
  readonly externalIPs: readonly Ipv4[];
  readonly sessionAffinity: 'None' | 'ClientIP';
  readonly externalTrafficPolicy: 'Cluster' | 'Local';
  readonly internalTrafficPolicy: 'Cluster' | 'Local';
  readonly publishNotReadyAddresses: boolean;
  readonly origin: Origin;
}

/** maxSurge or maxUnavailable: a pod count, or a percentage of replicas. */
export type IntOrPercent = { readonly count: number } | { readonly percent: number };

export type RolloutStrategy =
  | { readonly type: 'RollingUpdate'; readonly maxSurge: IntOrPercent; readonly maxUnavailable: IntOrPercent }
  | { readonly type: 'Recreate' };

/**
 * A ReplicationController, ReplicaSet or Deployment as submitted. `template` is the pod every
 * replica is made from (its name is empty; the controller names each copy).
 */
export interface WorkloadSpec {
  readonly kind: WorkloadKind;
  readonly namespace: string;
  readonly name: string;
  readonly labels: Labels;
  readonly annotations: Labels;
  readonly replicas: number;
  readonly selector: Selector;
  /** The selector as kubectl prints it (SELECTOR column). */
  readonly selectorText: string;
  readonly template: PodSpec;
  /** A Deployment's pod-template-hash for this template (its ReplicaSet is `<name>-<hash>`). */
  readonly templateHash: string;
  readonly strategy: RolloutStrategy;
  readonly minReadySeconds: number;
  readonly revisionHistoryLimit: number;
  readonly origin: Origin;
}

/** How an image behaves when run: what it listens on, how long it pulls, whether it exits. */
export interface ImageBehaviour {
  /** Ports it binds; undefined means "the container's declared containerPorts". */
  readonly ports?: readonly number[];
  readonly pullSeconds: number;
  readonly exitAfter?: number;
  readonly exitCode: number;
}

export type ScenarioAction =
  | { readonly action: 'link-down' | 'link-up'; readonly link: readonly [string, string] }
  | { readonly action: 'node-down' | 'node-up'; readonly node: string }
  /** BIRD on a machine restarts gracefully (a calico-node restart) and is back after downFor seconds. */
  | { readonly action: 'node-restart'; readonly node: string; readonly downFor: number }
  | { readonly action: 'session-down' | 'session-up'; readonly session: readonly [string, string] }
  | { readonly action: 'pod-create'; readonly pod: PodSpec }
  | { readonly action: 'pod-delete'; readonly namespace: string; readonly name: string }
  | { readonly action: 'scale'; readonly kind: WorkloadKind; readonly controller: string; readonly replicas: number }
  | { readonly action: 'block-port' | 'unblock-port'; readonly node: string; readonly port: number };

export type ScenarioEvent = ScenarioAction & { readonly at: number; readonly origin: Origin };

export type Check =
  | {
      readonly check: 'reach';
      readonly from: string;
      readonly to: string;
      readonly port?: number;
      readonly expect: string;
    }
  | {
      readonly check: 'policy';
      readonly from: string;
      readonly to: string;
      readonly port?: number;
      readonly policy: string;
      readonly rule?: string;
      readonly action?: 'Allow' | 'Deny';
    }
  | { readonly check: 'peers'; readonly node: string; readonly established: number }
  | {
      readonly check: 'best';
      readonly node: string;
      readonly prefix: Cidr;
      readonly via?: Ipv4;
      readonly from?: string;
    }
  | { readonly check: 'no-route'; readonly to: Ipv4; readonly nodes?: readonly string[] }
  | { readonly check: 'free-blocks'; readonly pool: string; readonly atLeast: number }
  | { readonly check: 'converged'; readonly within: number }
  | {
      readonly check: 'pods';
      readonly selector?: Selector;
      readonly selectorText?: string;
      readonly pod?: string;
      readonly node?: string;
      readonly count?: number;
      readonly status?: string;
      readonly ready?: boolean;
      readonly at?: number;
    }
  | {
      readonly check: 'replicas';
      readonly kind: WorkloadKind;
      readonly controller: string;
      readonly ready: number;
      readonly at?: number;
    }
  | { readonly check: 'node'; readonly node: string; readonly ready: boolean; readonly at?: number }
  | { readonly check: 'endpoints'; readonly service: string; readonly ready: number; readonly at?: number };

export type NamedCheck = Check & { readonly name: string; readonly origin: Origin };

/** BIRD's graceful-restart time, which Calico keeps unless maxRestartTime says otherwise (seconds). */
export const DEFAULT_RESTART_TIME = 120;
/** How long BIRD is down in a calico-node restart unless an event says (seconds). */
export const DEFAULT_RESTART_DOWNTIME = 10;

export interface BgpSettings {
  readonly asNumber: number;
  readonly nodeToNodeMeshEnabled: boolean;
  readonly listenPort: number;
  /** The graceful-restart time mesh sessions advertise (nodeMeshMaxRestartTime; BIRD's default 120 s). */
  readonly nodeMeshMaxRestartTime: number;
  /** Service address ranges every node advertises (BGPConfiguration serviceClusterIPs, serviceExternalIPs). */
  readonly serviceClusterIPs: readonly Cidr[];
  readonly serviceExternalIPs: readonly Cidr[];
}

export interface IpamSettings {
  readonly strictAffinity: boolean;
  readonly maxBlocksPerHost: number;
  readonly autoAllocateBlocks: boolean;
}

export interface Topology {
  readonly name: string;
  readonly seed: number;
  readonly bgp: BgpSettings;
  readonly ipam: IpamSettings;
  readonly pools: readonly Pool[];
  readonly nodes: readonly ClusterNode[];
  readonly routers: readonly Router[];
  readonly segments: readonly Segment[];
  readonly peers: readonly BgpPeer[];
  readonly pods: readonly PodSpec[];
  /** Controllers; the pods they start with are in `pods`, owned by them. */
  readonly workloads: readonly WorkloadSpec[];
  /** The topology's own Services (kubeadm's built-in ones are the cluster's). */
  readonly services: readonly ServiceSpec[];
  /** Namespaces written as objects (others exist as pods use them), Calico tiers, and policies. */
  readonly namespaces: readonly NamespaceSpec[];
  readonly tiers: readonly TierSpec[];
  readonly policies: readonly PolicySpec[];
  readonly images: ReadonlyMap<string, ImageBehaviour>;
  readonly events: readonly ScenarioEvent[];
  readonly checks: readonly NamedCheck[];
}

/** The port a trace or check aims at on a pod by default: its first containerPort, else 80. */
export function defaultPort(spec: PodSpec): number {
  return spec.containers.flatMap((c) => c.ports.map((p) => p.port))[0] ?? 80;
}

/** A machine's interfaces as the underlay wires them: a node's one (eth0), or a router's own. */
export function machineInterfaces(topology: Topology, machine: string): readonly RouterInterface[] {
  const node = topology.nodes.find((n) => n.name === machine);
  if (node !== undefined) return [{ name: 'eth0', ip: node.ip, subnet: node.subnet, segment: node.segment }];
  return topology.routers.find((r) => r.name === machine)?.interfaces ?? [];
}

export function effectiveAs(topology: Topology, node: ClusterNode): number {
  return node.asNumber ?? topology.bgp.asNumber;
}

export function podKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}
