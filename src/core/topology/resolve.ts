/**
 * From written documents (already parsed from YAML by the IO layer) to a resolved Topology.
 *
 * Every check runs and every problem is reported, each located by (document, path); nothing
 * stops at the first error. Documents are the topology itself (it has a `cluster:` section) and
 * Kubernetes/Calico resources (Pod, Service, ReplicationController, ReplicaSet, Deployment, Node,
 * IPPool, BGPPeer, BGPConfiguration, IPAMConfiguration) that merge into it, in document order.
 *
 * This file collects the documents (and enforces the size limits); each section is resolved in
 * its own file over one IssueSink: resolve-pools, resolve-network (segments, nodes, routers,
 * peers), resolve-pods, resolve-workloads, resolve-services and resolve-scenario (events and
 * checks); resolve-manifest checks one manifest `create -f` submits.
 */
import type * as z from 'zod';
import type { Cidr } from '../net/index.js';
import { byCodeUnit } from '../order.js';
import { type Defined, definedOnly } from './defined.js';
import { IssueSink, type Located } from './issue-sink.js';
import { coreDnsDeployment } from './kubeadm.js';
import {
  type ClusterNode,
  type Issue,
  type Origin,
  type PodSpec,
  podKey,
  type ServiceSpec,
  type Topology,
  type WorkloadSpec,
} from './model.js';
import { type PolicyObject, policySet, resolvePolicyObject } from './policy-objects.js';
import {
  checkUniqueAddresses,
  type NodeWritten,
  type PeerWritten,
  resolveBgpSettings,
  resolveNodes,
  resolvePeers,
  resolveRouters,
  resolveSegments,
} from './resolve-network.js';
import { checkUniquePods, resolveImages, resolvePod } from './resolve-pods.js';
import { type PoolWritten, resolvePools } from './resolve-pools.js';
import { resolveChecks, resolveEvents } from './resolve-scenario.js';
import { resolveService, SERVICE_CIDR } from './resolve-services.js';
import { initialPods, resolveWorkload } from './resolve-workloads.js';
import * as s from './schema.js';
import { didYouMean } from './suggest.js';

export interface InputDocument {
  readonly source: number;
  readonly value: unknown;
  /** `pods`: a file referenced from `pods: - file:`, which may hold only Pod manifests. */
  readonly expect: 'any' | 'pods';
  /** For `pods` documents: the index of the `pods:` entry that referenced the file. */
  readonly referencedFrom?: number;
}

/**
 * How large a topology may be: Kubernetes' own ceiling (5,000 nodes, 150,000 pods) unless the
 * user lifts it on purpose. Checked on the written counts, before any per-entry work, so a file
 * that asks for a million pods is refused in milliseconds rather than after exhausting memory.
 */
export interface ResolveLimits {
  readonly nodes: number;
  readonly pods: number;
}

export const KUBERNETES_LIMITS: ResolveLimits = { nodes: 5_000, pods: 150_000 };
export const NO_LIMITS: ResolveLimits = { nodes: Infinity, pods: Infinity };

const LIFT_LIMITS = '--beyond-limits goes past it on purpose';

export type Resolution =
  | { readonly ok: true; readonly topology: Topology }
  | { readonly ok: false; readonly issues: readonly Issue[] };

/**
 * Pods keep the order they were written in: a `pods: - file:` entry expands in place, and so do a
 * controller's starting pods.
 */
interface OrderedPod extends Located<s.PodManifest | s.WorkloadManifest> {
  readonly order: readonly [number, number];
}

class Resolver extends IssueSink {
  private topologyDoc: Located<s.TopologyDocument> | undefined;
  private readonly pools: Located<PoolWritten>[] = [];
  private readonly nodes = new Map<string, Located<NodeWritten>>();
  private readonly peers: Located<PeerWritten>[] = [];
  private readonly pods: OrderedPod[] = [];
  private readonly services: ServiceSpec[] = [];
  private readonly policyObjects: PolicyObject[] = [];
  private podSequence = 0;
  private bgpOverrides: Defined<z.output<typeof s.bgpConfigurationSpec>> = {};
  private ipamOverrides: Defined<z.output<typeof s.ipamConfigurationSpec>> = {};
  /** Pods written so far, Deployment replicas included, against limits.pods. */
  private podsWritten = 0;
  private nodeLimitReported = false;

  constructor(private readonly limits: ResolveLimits = KUBERNETES_LIMITS) {
    super();
  }

  /** Counts `count` more pods; false (with a located issue) when that passes the ceiling. */
  private admitPods(count: number, at: Origin): boolean {
    if (this.podsWritten + count <= this.limits.pods) {
      this.podsWritten += count;
      return true;
    }
    this.report(
      at,
      'too-large',
      `${count} more pods would make ${this.podsWritten + count}; podnet models at most ${this.limits.pods} pods, Kubernetes' own limit (${LIFT_LIMITS})`,
    );
    this.podsWritten = Infinity;
    return false;
  }

  /** A written list longer than the ceiling is refused before any of its entries is read. */
  private tooMany(list: unknown, limit: number, what: string, at: Origin): boolean {
    if (!Array.isArray(list) || list.length <= limit) return false;
    this.report(
      at,
      'too-large',
      `${list.length} ${what}; podnet models at most ${limit}, Kubernetes' own limit (${LIFT_LIMITS})`,
    );
    return true;
  }

  addDocument(doc: InputDocument): void {
    const value = doc.value;
    const at: Origin = { source: doc.source, path: [] };
    if (value === null || value === undefined) return;
    if (typeof value !== 'object' || Array.isArray(value)) {
      this.report(
        at,
        'document',
        'a document must be a mapping: a topology (with cluster:) or a resource (with kind:)',
      );
      return;
    }
    const record = value as Record<string, unknown>;
    if (doc.expect === 'pods') {
      if (record['kind'] !== 'Pod') {
        this.report(
          { source: doc.source, path: ['kind'] },
          'document',
          'a file listed under pods: may hold only Pod manifests (kind: Pod)',
        );
        return;
      }
      const pod = this.parse(s.podManifest, record, doc.source, []);
      if (pod && this.admitPods(1, at))
        this.pods.push({ value: pod, origin: at, order: [doc.referencedFrom ?? Infinity, this.podSequence++] });
      return;
    }
    if ('cluster' in record && !('kind' in record)) this.addTopology(doc, record);
    else if ('kind' in record) this.addResource(doc, record);
    else
      this.report(
        at,
        'document',
        'a document must be a topology (with a cluster: section) or a Kubernetes/Calico resource (with kind:)',
      );
  }

  private addTopology(doc: InputDocument, record: object): void {
    if (this.topologyDoc !== undefined) {
      this.report(
        { source: doc.source, path: ['cluster'] },
        'document',
        'a second topology document: only one cluster: section is allowed',
        true,
      );
      return;
    }
    const written = record as Record<string, unknown>;
    const tooManyNodes = this.tooMany(written['nodes'], this.limits.nodes, 'nodes', {
      source: doc.source,
      path: ['nodes'],
    });
    const tooManyPods = this.tooMany(written['pods'], this.limits.pods, 'pods', { source: doc.source, path: ['pods'] });
    const parsed = tooManyNodes || tooManyPods ? undefined : this.parse(s.topologyDocument, record, doc.source, []);
    if (parsed === undefined) {
      this.topologyDoc = { value: emptyTopology(record), origin: { source: doc.source, path: [] } };
      return;
    }
    this.topologyDoc = { value: parsed, origin: { source: doc.source, path: [] } };
    const at = (...path: (string | number)[]): Origin => ({ source: doc.source, path });
    parsed.pools?.forEach((pool, i) => {
      this.pools.push({ value: pool, origin: at('pools', i) });
    });
    parsed.nodes.forEach((node, i) => {
      this.addNode(node, at('nodes', i));
    });
    parsed.peers?.forEach((peer, i) => {
      this.peers.push({ value: peer, origin: at('peers', i) });
    });
    parsed.pods?.forEach((pod, i) => {
      if ('kind' in pod && this.admitPods(1, at('pods', i)))
        this.pods.push({ value: pod, origin: at('pods', i), order: [i, this.podSequence++] });
    });
  }

  private addResource(doc: InputDocument, record: Record<string, unknown>): void {
    const root: Origin = { source: doc.source, path: [] };
    const spec: Origin = { source: doc.source, path: ['spec'] };
    switch (record['kind']) {
      case 'Pod': {
        const pod = this.parse(s.podManifest, record, doc.source, []);
        if (pod && this.admitPods(1, root))
          this.pods.push({ value: pod, origin: root, order: [Infinity, this.podSequence++] });
        return;
      }
      case 'Service': {
        const service = this.parse(s.serviceManifest, record, doc.source, []);
        const resolved = service === undefined ? undefined : resolveService(this, service, root);
        if (resolved !== undefined) this.services.push(resolved);
        return;
      }
      case 'ReplicationController':
      case 'ReplicaSet':
      case 'Deployment': {
        const workload = this.parse(s.WORKLOAD_SCHEMAS[record['kind']], record, doc.source, []);
        if (
          workload &&
          this.admitPods(Math.max(0, workload.spec.replicas ?? 1), { ...root, path: ['spec', 'replicas'] })
        )
          this.pods.push({ value: workload, origin: root, order: [Infinity, this.podSequence++] });
        return;
      }
      case 'IPPool': {
        const pool = this.parse(s.ipPoolResource, record, doc.source, []);
        if (pool) this.pools.push({ value: { ...pool.spec, name: pool.metadata.name }, origin: spec });
        return;
      }
      case 'BGPPeer': {
        const peer = this.parse(s.bgpPeerResource, record, doc.source, []);
        if (peer) this.peers.push({ value: { ...peer.spec, name: peer.metadata.name }, origin: spec });
        return;
      }
      case 'BGPConfiguration': {
        const config = this.parse(s.bgpConfigurationResource, record, doc.source, []);
        if (config) this.bgpOverrides = { ...this.bgpOverrides, ...definedOnly(config.spec) };
        return;
      }
      case 'IPAMConfiguration': {
        const config = this.parse(s.ipamConfigurationResource, record, doc.source, []);
        if (config) this.ipamOverrides = { ...this.ipamOverrides, ...definedOnly(config.spec) };
        return;
      }
      case 'Node':
        this.addNodeResource(doc, record);
        return;
      case 'NetworkPolicy':
      case 'GlobalNetworkPolicy':
      case 'Namespace':
      case 'Tier': {
        const object = resolvePolicyObject(this, record, doc.source);
        if (object !== undefined) this.policyObjects.push(object);
        return;
      }
      default:
        this.report(
          { source: doc.source, path: ['kind'] },
          'unknown-name',
          `unknown kind "${String(record['kind'])}"${didYouMean(String(record['kind']), s.RESOURCE_KINDS)}; podnet reads ${s.RESOURCE_KINDS.join(', ')}`,
        );
    }
  }

  private addNodeResource(doc: InputDocument, record: Record<string, unknown>): void {
    if (record['apiVersion'] === 'v1') {
      const node = this.parse(s.kubeNodeResource, record, doc.source, []);
      if (!node) return;
      const address = node.metadata.annotations?.['projectcalico.org/IPv4Address'];
      const written: NodeWritten = { name: node.metadata.name };
      if (address !== undefined) written.address = address;
      if (node.metadata.labels) written.labels = node.metadata.labels;
      if (node.spec?.taints) written.taints = node.spec.taints;
      // kube-controller-manager's podCIDR: shown on the Node; calico-ipam does not use it.
      const podCIDR = node.spec?.podCIDR ?? node.spec?.podCIDRs?.[0];
      if (podCIDR) written.podCIDR = podCIDR;
      this.addNode(written, { source: doc.source, path: [] });
      return;
    }
    const node = this.parse(s.calicoNodeResource, record, doc.source, []);
    if (!node) return;
    const written: NodeWritten = { name: node.metadata.name, address: node.spec.bgp.ipv4Address };
    if (node.metadata.labels) written.labels = node.metadata.labels;
    if (node.spec.bgp.asNumber !== undefined) written.asNumber = node.spec.bgp.asNumber;
    if (node.spec.bgp.routeReflectorClusterID !== undefined)
      written.routeReflectorClusterID = node.spec.bgp.routeReflectorClusterID;
    this.addNode(written, { source: doc.source, path: ['spec', 'bgp'] });
  }

  /** A node named twice in the topology is an error; a resource naming a known node merges into it. */
  private addNode(node: NodeWritten, origin: Origin): void {
    const existing = this.nodes.get(node.name);
    if (existing === undefined) {
      if (this.nodes.size >= this.limits.nodes) {
        if (!this.nodeLimitReported)
          this.report(
            origin,
            'too-large',
            `node ${this.limits.nodes + 1}: podnet models at most ${this.limits.nodes} nodes, Kubernetes' own limit (${LIFT_LIMITS})`,
          );
        this.nodeLimitReported = true;
        return;
      }
      this.nodes.set(node.name, { value: node, origin });
      return;
    }
    if (existing.origin.source === origin.source && origin.path[0] === 'nodes') {
      this.report({ ...origin, path: [...origin.path, 'name'] }, 'duplicate', `duplicate node name "${node.name}"`);
      return;
    }
    const merged: NodeWritten = { ...existing.value, ...definedOnly(node) };
    merged.labels = { ...existing.value.labels, ...node.labels };
    this.nodes.set(node.name, { value: merged, origin: node.address !== undefined ? origin : existing.origin });
  }

  /** Bare pods, and each controller with the pods it starts with, in written order. */
  private resolvePods(
    ordered: readonly OrderedPod[],
    nodes: readonly ClusterNode[],
  ): { pods: PodSpec[]; workloads: WorkloadSpec[] } {
    const pods: PodSpec[] = [];
    const workloads: WorkloadSpec[] = [];
    const names = new Set<string>();
    for (const { value, origin } of ordered) {
      if (value.kind === 'Pod') {
        const pod = resolvePod(this, value, origin, nodes);
        if (pod !== undefined) {
          names.add(podKey(pod.namespace, pod.name));
          pods.push(pod);
        }
        continue;
      }
      const workload = resolveWorkload(this, value, origin, nodes);
      if (workload === undefined) continue;
      workloads.push(workload);
      const taken = (name: string) => names.has(podKey(workload.namespace, name));
      for (const pod of initialPods(workload, taken)) {
        names.add(podKey(pod.namespace, pod.name));
        pods.push(pod);
      }
    }
    return { pods, workloads };
  }

  /** A BGPConfiguration's advertised Service ranges, each a valid CIDR. */
  /** Services named twice, or asking for an address or node port another has, are refused. */
  private uniqueServices(): ServiceSpec[] {
    const seen = new Set<string>();
    const ips = new Set<number>([SERVICE_CIDR.base + 1, SERVICE_CIDR.base + 10]);
    const nodePorts = new Set<number>();
    for (const service of this.services) {
      const key = `${service.namespace}/${service.name}`;
      const at = (...path: (string | number)[]) => ({ ...service.origin, path: [...service.origin.path, ...path] });
      if (seen.has(key)) this.report(at('metadata', 'name'), 'duplicate', `duplicate service "${key}"`);
      seen.add(key);
      const ip = service.clusterIP;
      if (typeof ip === 'number' && ips.has(ip))
        this.report(
          at('spec', 'clusterIP'),
          'duplicate',
          `The Service "${service.name}" is invalid: spec.clusterIPs: provided IP is already allocated`,
        );
      if (typeof ip === 'number') ips.add(ip);
      service.ports.forEach((port, i) => {
        if (port.nodePort === undefined) return;
        if (nodePorts.has(port.nodePort))
          this.report(
            at('spec', 'ports', i, 'nodePort'),
            'duplicate',
            `The Service "${service.name}" is invalid: spec.ports[${i}].nodePort: Invalid value: ${port.nodePort}: provided port is already allocated`,
          );
        nodePorts.add(port.nodePort);
      });
    }
    return this.services;
  }

  resolve(): Topology | undefined {
    const doc = this.topologyDoc;
    if (doc === undefined) {
      this.report(
        { source: 0, path: [] },
        'conflict',
        'no topology document: a topology file needs a cluster: section (name, seed, bgp, ipam)',
      );
      return undefined;
    }
    const written = doc.value;
    const bgp = { ...written.cluster.bgp, ...this.bgpOverrides };
    const ipam = { ...written.cluster.ipam, ...this.ipamOverrides };
    const pools = resolvePools(this, this.pools, doc.origin.source);
    const segments = resolveSegments(this, written.segments ?? [], doc.origin.source);
    const nodes = resolveNodes(this, this.nodes, pools, segments);
    const routers = resolveRouters(this, written.routers ?? [], doc.origin.source, nodes, segments);
    checkUniqueAddresses(this, nodes, routers);
    const peers = resolvePeers(this, this.peers, nodes);
    const ordered = [...this.pods].sort((a, b) => a.order[0] - b.order[0] || a.order[1] - b.order[1]);
    // kubeadm's CoreDNS comes up before anything the user creates.
    const dns: OrderedPod[] = written.cluster.coreDNS
      ? [
          {
            value: coreDnsDeployment(),
            origin: { source: doc.origin.source, path: ['cluster', 'coreDNS'] },
            order: [-1, -1],
          },
        ]
      : [];
    const { pods, workloads } = this.resolvePods([...dns, ...ordered], nodes);
    checkUniquePods(this, pods);
    const images = resolveImages(written.images ?? {});
    const events = resolveEvents(this, written.events ?? [], doc.origin.source, nodes, routers, pods, bgp.listenPort);
    const checks = resolveChecks(this, written.checks ?? [], doc.origin.source, nodes, routers, pools);
    const services = this.uniqueServices();
    const { namespaces, tiers, policies } = policySet(this, this.policyObjects);
    if (this.issues.length > 0) return undefined;
    return {
      name: written.cluster.name,
      seed: written.cluster.seed,
      bgp: resolveBgpSettings(this, bgp, doc.origin.source),
      ipam: {
        strictAffinity: ipam.strictAffinity,
        maxBlocksPerHost: ipam.maxBlocksPerHost === 0 ? 20 : ipam.maxBlocksPerHost,
        autoAllocateBlocks: ipam.autoAllocateBlocks,
      },
      pools,
      nodes,
      routers,
      segments: [...segments.values()].sort((a, b) => byCodeUnit(a.name, b.name)),
      peers,
      pods,
      workloads,
      services,
      namespaces,
      tiers,
      policies,
      images,
      events,
      checks,
    };
  }
}

/** A stand-in for a topology document that failed its schema, so cross-checks can still run. */
function emptyTopology(record: object): s.TopologyDocument {
  const cluster = (record as { cluster?: { name?: unknown } }).cluster;
  return {
    cluster: {
      name: typeof cluster?.name === 'string' ? cluster.name : 'invalid',
      seed: 1,
      bgp: { asNumber: 64512, nodeToNodeMeshEnabled: true, listenPort: 179 },
      ipam: { strictAffinity: false, maxBlocksPerHost: 20, autoAllocateBlocks: true },
    },
    nodes: [],
  };
}

export function resolveTopology(
  documents: readonly InputDocument[],
  limits: ResolveLimits = KUBERNETES_LIMITS,
): Resolution {
  const resolver = new Resolver(limits);
  for (const doc of documents) resolver.addDocument(doc);
  const topology = resolver.resolve();
  if (topology === undefined || resolver.issues.length > 0) return { ok: false, issues: resolver.issues };
  return { ok: true, topology };
}

export {
  resolveManifest,
  resolvePodManifest,
  SUBMITTABLE_KINDS,
  type SubmittedObject,
} from './resolve-manifest.js';
export type { Cidr };
