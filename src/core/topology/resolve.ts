/**
 * From written documents (already parsed from YAML by the IO layer) to a resolved Topology.
 *
 * Every check runs and every problem is reported, each located by (document, path); nothing
 * stops at the first error. Documents are the topology itself (it has a `cluster:` section) and
 * Kubernetes/Calico resources (Pod, Node, IPPool, BGPPeer, BGPConfiguration, IPAMConfiguration)
 * that merge into it, in document order.
 */
import type * as z from 'zod';
import { assertNever } from '../assert.js';
import {
  type AddressWithPrefix,
  type Cidr,
  cidrContains,
  cidrsOverlap,
  formatCidr,
  formatIpv4,
  LINK_LOCAL,
  networkOf,
  parseAddressWithPrefix,
  parseCidr,
  parseIpv4,
} from '../net/index.js';
import { byCodeUnit } from '../order.js';
import { parseSelector, type Selector } from '../selector/index.js';
import { Rng } from '../sim/rng.js';
import { parseDuration } from './duration.js';
import { builtinImages, normalizeImage } from './images.js';
import type {
  BgpPeer,
  ClusterNode,
  ContainerSpec,
  ImageBehaviour,
  Issue,
  NamedCheck,
  Origin,
  Path,
  PodSpec,
  Pool,
  Router,
  RouterPeer,
  ScenarioEvent,
  Segment,
  Taint,
  Topology,
} from './model.js';
import * as s from './schema.js';
import { didYouMean } from './suggest.js';
import { type KnownKeys, recordingErrorMap, toIssues } from './zod-issues.js';

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

interface Located<T> {
  readonly value: T;
  readonly origin: Origin;
}

/** Pods keep the order they were written in: a `pods: - file:` entry expands in place. */
interface OrderedPod extends Located<s.PodManifest> {
  readonly order: readonly [number, number];
}

type PoolWritten = z.output<typeof s.ipPoolSpec> & { name: string };
type NodeWritten = Partial<z.output<typeof s.nodeEntry>> & { name: string };

export const DEFAULT_POOL: z.input<typeof s.ipPoolEntry> = {
  name: 'default-ipv4-ippool',
  cidr: '192.168.0.0/16',
  ipipMode: 'Always',
  natOutgoing: true,
};

const CONTROL_PLANE_TAINT: Taint = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };

class Resolver {
  readonly issues: Issue[] = [];
  private topologyDoc: Located<s.TopologyDocument> | undefined;
  private readonly pools: Located<PoolWritten>[] = [];
  private readonly nodes = new Map<string, Located<NodeWritten>>();
  private readonly peers: Located<z.output<typeof s.bgpPeerEntry>>[] = [];
  private readonly pods: OrderedPod[] = [];
  private podSequence = 0;
  private bgpOverrides: Defined<z.output<typeof s.bgpConfigurationSpec>> = {};
  private ipamOverrides: Defined<z.output<typeof s.ipamConfigurationSpec>> = {};
  /** Pods written so far, Deployment replicas included, against limits.pods. */
  private podsWritten = 0;
  private nodeLimitReported = false;

  constructor(private readonly limits: ResolveLimits = KUBERNETES_LIMITS) {}

  /** Counts `count` more pods; false (with a located issue) when that passes the ceiling. */
  private admitPods(count: number, at: Origin): boolean {
    if (this.podsWritten + count <= this.limits.pods) {
      this.podsWritten += count;
      return true;
    }
    this.report(
      at,
      `${count} more pods would make ${this.podsWritten + count}; podnet models at most ${this.limits.pods} pods, Kubernetes' own limit (${LIFT_LIMITS})`,
    );
    this.podsWritten = Infinity;
    return false;
  }

  /** A written list longer than the ceiling is refused before any of its entries is read. */
  private tooMany(list: unknown, limit: number, what: string, at: Origin): boolean {
    if (!Array.isArray(list) || list.length <= limit) return false;
    this.report(at, `${list.length} ${what}; podnet models at most ${limit}, Kubernetes' own limit (${LIFT_LIMITS})`);
    return true;
  }

  report(origin: Origin, message: string, onKey = false): void {
    this.issues.push(onKey ? { at: origin, message, onKey } : { at: origin, message });
  }

  parse<T extends z.ZodType>(schema: T, value: unknown, source: number, base: Path): z.output<T> | undefined {
    const known: KnownKeys = new Map();
    const result = schema.safeParse(value, { error: recordingErrorMap(known), reportInput: true });
    if (result.success) return result.data;
    this.issues.push(...toIssues(result.error.issues, source, base, known));
    return undefined;
  }

  addDocument(doc: InputDocument): void {
    const value = doc.value;
    const at: Origin = { source: doc.source, path: [] };
    if (value === null || value === undefined) return;
    if (typeof value !== 'object' || Array.isArray(value)) {
      this.report(at, 'a document must be a mapping: a topology (with cluster:) or a resource (with kind:)');
      return;
    }
    const record = value as Record<string, unknown>;
    if (doc.expect === 'pods') {
      if (record['kind'] !== 'Pod') {
        this.report(
          { source: doc.source, path: ['kind'] },
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
        'a document must be a topology (with a cluster: section) or a Kubernetes/Calico resource (with kind:)',
      );
  }

  private addTopology(doc: InputDocument, record: object): void {
    if (this.topologyDoc !== undefined) {
      this.report(
        { source: doc.source, path: ['cluster'] },
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
      case 'Deployment': {
        const deployment = this.parse(s.deploymentManifest, record, doc.source, []);
        if (deployment) this.expandDeployment(deployment, root);
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
      default:
        this.report(
          { source: doc.source, path: ['kind'] },
          `unknown kind "${String(record['kind'])}"${didYouMean(String(record['kind']), s.RESOURCE_KINDS)}; podnet reads ${s.RESOURCE_KINDS.join(', ')}`,
        );
    }
  }

  /** A Deployment's pods, named as the ReplicaSet controller names them: <name>-<template hash>-<suffix>. */
  private expandDeployment(deployment: s.DeploymentManifest, origin: Origin): void {
    const { name, namespace } = deployment.metadata;
    const labels = deployment.spec.template.metadata?.labels ?? {};
    const mismatch = Object.entries(deployment.spec.selector.matchLabels).find(([key, value]) => labels[key] !== value);
    if (mismatch !== undefined) {
      this.report(
        { ...origin, path: ['spec', 'selector', 'matchLabels', mismatch[0]] },
        `selector does not match template labels: the template has no ${mismatch[0]}=${mismatch[1]}`,
      );
      return;
    }
    if (!this.admitPods(deployment.spec.replicas, { ...origin, path: ['spec', 'replicas'] })) return;
    const hash = kubeSafe(fnv1a(`${name}/${JSON.stringify(deployment.spec.template)}`), 10);
    const used = new Set<string>();
    for (let i = 0; i < deployment.spec.replicas; i++) {
      // Like the ReplicaSet controller, try another random suffix when one is taken.
      let suffix = '';
      for (let attempt = 0; suffix === '' || used.has(suffix); attempt++)
        suffix = kubeSafe(fnv1a(`${name}/${hash}/${i}/${attempt}`), 5);
      used.add(suffix);
      const pod: s.PodManifest = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: `${name}-${hash}-${suffix}`,
          ...(namespace !== undefined ? { namespace } : {}),
          labels: { ...labels, 'pod-template-hash': hash },
        },
        spec: deployment.spec.template.spec,
      };
      this.pods.push({ value: pod, origin, order: [Infinity, this.podSequence++] });
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
      if (node.spec?.podCIDR) written.podCIDR = node.spec.podCIDR;
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
            `node ${this.limits.nodes + 1}: podnet models at most ${this.limits.nodes} nodes, Kubernetes' own limit (${LIFT_LIMITS})`,
          );
        this.nodeLimitReported = true;
        return;
      }
      this.nodes.set(node.name, { value: node, origin });
      return;
    }
    if (existing.origin.source === origin.source && origin.path[0] === 'nodes') {
      this.report({ ...origin, path: [...origin.path, 'name'] }, `duplicate node name "${node.name}"`);
      return;
    }
    const merged: NodeWritten = { ...existing.value, ...definedOnly(node) };
    merged.labels = { ...existing.value.labels, ...node.labels };
    this.nodes.set(node.name, { value: merged, origin: node.address !== undefined ? origin : existing.origin });
  }

  resolve(): Topology | undefined {
    const doc = this.topologyDoc;
    if (doc === undefined) {
      this.report(
        { source: 0, path: [] },
        'no topology document: a topology file needs a cluster: section (name, seed, bgp, ipam)',
      );
      return undefined;
    }
    const written = doc.value;
    const bgp = { ...written.cluster.bgp, ...this.bgpOverrides };
    const ipam = { ...written.cluster.ipam, ...this.ipamOverrides };
    const pools = this.resolvePools(doc.origin.source);
    const segments = this.resolveSegments(written.segments ?? [], doc.origin.source);
    const nodes = this.resolveNodes(pools, segments);
    const routers = this.resolveRouters(written.routers ?? [], doc.origin.source, nodes, segments);
    this.checkUniqueAddresses(nodes, routers);
    const peers = this.resolvePeers(nodes);
    const ordered = [...this.pods].sort((a, b) => a.order[0] - b.order[0] || a.order[1] - b.order[1]);
    const pods = ordered.map((pod) => this.resolvePod(pod.value, pod.origin, nodes)).filter(isDefined);
    this.checkUniquePods(pods);
    const images = resolveImages(written.images ?? {});
    const events = this.resolveEvents(written.events ?? [], doc.origin.source, nodes, routers, pods, bgp.listenPort);
    const checks = this.resolveChecks(written.checks ?? [], doc.origin.source, nodes, routers, pools);
    if (this.issues.length > 0) return undefined;
    return {
      name: written.cluster.name,
      seed: written.cluster.seed,
      bgp: { asNumber: bgp.asNumber, nodeToNodeMeshEnabled: bgp.nodeToNodeMeshEnabled, listenPort: bgp.listenPort },
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
      images,
      events,
      checks,
    };
  }

  private resolveChecks(
    written: readonly s.CheckEntry[],
    source: number,
    nodes: readonly ClusterNode[],
    routers: readonly Router[],
    pools: readonly Pool[],
  ): NamedCheck[] {
    const machines = [...nodes.map((n) => n.name), ...routers.map((r) => r.name)];
    return written.flatMap((entry, i): NamedCheck[] => {
      const at = (key: string): Origin => ({ source, path: ['checks', i, key] });
      const origin: Origin = { source, path: ['checks', i] };
      const name = entry.name ?? `${entry.check} #${i + 1}`;
      switch (entry.check) {
        case 'reach':
          return [
            {
              check: 'reach',
              from: entry.from,
              to: entry.to,
              ...(entry.port !== undefined ? { port: entry.port } : {}),
              expect: entry.expect,
              name,
              origin,
            },
          ];
        case 'peers':
          return this.checkName(entry.node, machines, 'node or router', at('node'))
            ? [{ check: 'peers', node: entry.node, established: entry.established, name, origin }]
            : [];
        case 'best': {
          const prefix = parseCidr(entry.prefix);
          if (!prefix.ok) this.report(at('prefix'), prefix.reason);
          const via = entry.via === undefined ? undefined : this.address(entry.via, at('via'));
          const known =
            this.checkName(entry.node, machines, 'node or router', at('node')) &&
            (entry.from === undefined || this.checkName(entry.from, machines, 'node or router', at('from')));
          if (!prefix.ok || !known) return [];
          return [
            {
              check: 'best',
              node: entry.node,
              prefix: prefix.value,
              ...(via !== undefined ? { via } : {}),
              ...(entry.from !== undefined ? { from: entry.from } : {}),
              name,
              origin,
            },
          ];
        }
        case 'no-route': {
          const to = this.address(entry.to, at('to'));
          (entry.nodes ?? []).forEach((node, j) => {
            this.checkName(node, machines, 'node or router', { source, path: ['checks', i, 'nodes', j] });
          });
          return to === undefined
            ? []
            : [{ check: 'no-route', to, ...(entry.nodes !== undefined ? { nodes: entry.nodes } : {}), name, origin }];
        }
        case 'free-blocks':
          return this.checkName(
            entry.pool,
            pools.map((p) => p.name),
            'pool',
            at('pool'),
          )
            ? [{ check: 'free-blocks', pool: entry.pool, atLeast: entry.atLeast, name, origin }]
            : [];
        case 'converged':
          return [{ check: 'converged', within: parseDuration(entry.within), name, origin }];
        default:
          return assertNever(entry, 'check kind');
      }
    });
  }

  private resolvePools(source: number): Pool[] {
    const written =
      this.pools.length > 0 ? this.pools : [{ value: s.ipPoolEntry.parse(DEFAULT_POOL), origin: { source, path: [] } }];
    const pools: Pool[] = [];
    const names = new Set<string>();
    for (const { value, origin } of written) {
      const field = (key: string): Origin => ({ ...origin, path: [...origin.path, key] });
      if (names.has(value.name)) this.report(field('name'), `duplicate pool name "${value.name}"`);
      names.add(value.name);
      const cidr = parseCidr(value.cidr);
      if (!cidr.ok) {
        this.report(field('cidr'), cidr.reason);
        continue;
      }
      if (value.blockSize < 20 || value.blockSize > 32) {
        this.report(field('blockSize'), `block size ${value.blockSize} is out of range: IPv4 blocks are /20 to /32`);
      } else if (value.blockSize < cidr.value.len && !value.disabled) {
        this.report(field('blockSize'), `block size /${value.blockSize} is larger than the pool ${value.cidr}`);
      }
      if (cidrsOverlap(cidr.value, LINK_LOCAL))
        this.report(field('cidr'), `pool ${value.cidr} overlaps the link-local range 169.254.0.0/16`);
      if (value.ipipMode !== 'Never' && value.vxlanMode !== 'Never') {
        this.report(field('vxlanMode'), 'IPIP and VXLAN cannot both be enabled on one pool');
      }
      const other = pools.find((pool) => cidrsOverlap(pool.cidr, cidr.value));
      if (other)
        this.report(field('cidr'), `pool ${value.cidr} overlaps pool "${other.name}" (${formatCidr(other.cidr)})`);
      const nodeSelector = this.selector(value.nodeSelector, field('nodeSelector'));
      pools.push({
        name: value.name,
        cidr: cidr.value,
        blockSize: value.blockSize,
        ipipMode: value.ipipMode,
        vxlanMode: value.vxlanMode,
        natOutgoing: value.natOutgoing,
        nodeSelector: nodeSelector ?? { op: 'all' },
        nodeSelectorText: value.nodeSelector,
        disabled: value.disabled,
        disableBGPExport: value.disableBGPExport,
        origin,
      });
    }
    return pools;
  }

  private selector(text: string, at: Origin): Selector | undefined {
    const parsed = parseSelector(text);
    if (parsed.ok) return parsed.selector;
    this.report(at, `malformed selector "${text}": ${parsed.reason} at character ${parsed.offset + 1}`);
    return undefined;
  }

  private resolveSegments(written: readonly z.output<typeof s.segmentEntry>[], source: number): Map<string, Segment> {
    const segments = new Map<string, Segment>();
    for (const [i, segment] of written.entries()) {
      const at = (key: string): Origin => ({ source, path: ['segments', i, key] });
      const cidr = parseCidr(segment.cidr);
      const clash = cidr.ok ? [...segments.values()].find((other) => cidrsOverlap(other.cidr, cidr.value)) : undefined;
      if (!cidr.ok) this.report(at('cidr'), cidr.reason);
      else if (segments.has(segment.name)) this.report(at('name'), `duplicate segment name "${segment.name}"`);
      else if (clash) this.report(at('cidr'), `segment ${segment.cidr} overlaps segment "${clash.name}"`);
      else segments.set(segment.name, { name: segment.name, cidr: cidr.value });
    }
    return segments;
  }

  /** The named segment holding an address, or the implicit one of its subnet (created on first use). */
  private segmentFor(address: AddressWithPrefix, segments: Map<string, Segment>): string {
    const named = [...segments.values()].find((segment) => cidrContains(segment.cidr, address.ip));
    if (named) return named.name;
    const subnet = networkOf(address);
    const name = formatCidr(subnet);
    if (!segments.has(name)) segments.set(name, { name, cidr: subnet });
    return name;
  }

  private resolveNodes(pools: readonly Pool[], segments: Map<string, Segment>): ClusterNode[] {
    const nodes: ClusterNode[] = [];
    for (const { value, origin } of this.nodes.values()) {
      const at = (key: string): Origin => ({
        ...origin,
        path: [...origin.path, origin.path[0] === 'spec' ? 'ipv4Address' : key],
      });
      if (value.address === undefined) {
        this.report(
          origin,
          `node "${value.name}" has no address (give address:, or the projectcalico.org/IPv4Address annotation)`,
        );
        continue;
      }
      const address = parseAddressWithPrefix(value.address);
      if (!address.ok) {
        this.report(at('address'), address.reason);
        continue;
      }
      const pool = pools.find((p) => cidrContains(p.cidr, address.value.ip));
      if (pool)
        this.report(
          at('address'),
          `node address ${value.address} is inside pool "${pool.name}" (${formatCidr(pool.cidr)}): pod and node addresses must not overlap`,
        );
      const field = (key: string): Origin => ({ ...origin, path: [...origin.path, key] });
      const clusterId =
        value.routeReflectorClusterID === undefined ? undefined : parseIpv4(value.routeReflectorClusterID);
      if (clusterId === null) {
        this.report(
          field('routeReflectorClusterID'),
          `cluster ID "${value.routeReflectorClusterID}" is not a dotted quad such as 244.0.0.1`,
        );
      }
      const subnet = networkOf(address.value);
      let gateway: number | undefined;
      if (value.gateway !== undefined) {
        const parsed = parseIpv4(value.gateway);
        if (parsed === null) this.report(field('gateway'), `"${value.gateway}" is not an IPv4 address`);
        else if (!cidrContains(subnet, parsed))
          this.report(field('gateway'), `gateway ${value.gateway} is not on the node's subnet ${formatCidr(subnet)}`);
        else gateway = parsed;
      }
      const role = value.role ?? 'worker';
      const labels = {
        'kubernetes.io/hostname': value.name,
        'kubernetes.io/os': 'linux',
        ...(role === 'control-plane' ? { 'node-role.kubernetes.io/control-plane': '' } : {}),
        ...value.labels,
      };
      nodes.push({
        name: value.name,
        ip: address.value.ip,
        subnet,
        role,
        labels,
        taints: value.taints ?? (role === 'control-plane' ? [CONTROL_PLANE_TAINT] : []),
        ...(value.asNumber !== undefined ? { asNumber: value.asNumber } : {}),
        ...(clusterId != null ? { routeReflectorClusterID: clusterId } : {}),
        ...(gateway !== undefined ? { gateway } : {}),
        ...(value.podCIDR !== undefined ? { podCIDR: value.podCIDR } : {}),
        segment: this.segmentFor(address.value, segments),
        origin,
      });
    }
    return nodes.sort((a, b) => byCodeUnit(a.name, b.name));
  }

  private resolveRouters(
    written: readonly z.output<typeof s.routerEntry>[],
    source: number,
    nodes: readonly ClusterNode[],
    segments: Map<string, Segment>,
  ): Router[] {
    const routers: Router[] = [];
    const names = new Set(nodes.map((node) => node.name));
    written.forEach((router, i) => {
      const at = (...path: (string | number)[]): Origin => ({ source, path: ['routers', i, ...path] });
      if (names.has(router.name)) this.report(at('name'), `duplicate name "${router.name}": already a node or router`);
      names.add(router.name);
      const interfaces = router.interfaces.flatMap((iface, j) => {
        const address = parseAddressWithPrefix(iface.address);
        if (!address.ok) {
          this.report(at('interfaces', j, 'address'), address.reason);
          return [];
        }
        return [
          {
            name: iface.name ?? `eth${j}`,
            ip: address.value.ip,
            subnet: networkOf(address.value),
            segment: this.segmentFor(address.value, segments),
          },
        ];
      });
      let routerId = interfaces[0]?.ip ?? 0;
      if (router.routerId !== undefined) {
        const parsed = parseIpv4(router.routerId);
        if (parsed === null) this.report(at('routerId'), `router ID "${router.routerId}" is not a dotted quad`);
        else routerId = parsed;
      }
      const routes = (router.routes ?? []).flatMap((route, j) => {
        const dst = parseCidr(route.dst);
        const via = parseIpv4(route.via);
        if (!dst.ok) this.report(at('routes', j, 'dst'), dst.reason);
        if (via === null) this.report(at('routes', j, 'via'), `"${route.via}" is not an IPv4 address`);
        return dst.ok && via !== null ? [{ dst: dst.value, via }] : [];
      });
      const clusterId =
        router.routeReflectorClusterID === undefined ? undefined : parseIpv4(router.routeReflectorClusterID);
      if (clusterId === null)
        this.report(
          at('routeReflectorClusterID'),
          `cluster ID "${router.routeReflectorClusterID}" is not a dotted quad such as 244.0.0.1`,
        );
      routers.push({
        name: router.name,
        asNumber: router.asNumber,
        routerId,
        ...(clusterId != null ? { routeReflectorClusterID: clusterId } : {}),
        interfaces,
        peers: [],
        routes,
        origin: at(),
      });
    });
    // Peers may name routers defined later in the list, so they resolve once all names are known.
    written.forEach((router, i) => {
      const peers = (router.peers ?? []).map((peer, j) =>
        this.resolveRouterPeer(peer, { source, path: ['routers', i, 'peers', j] }, nodes, routers),
      );
      const index = routers.findIndex((r) => r.name === router.name);
      if (index >= 0) routers[index] = { ...(routers[index] as Router), peers };
    });
    return routers;
  }

  private resolveRouterPeer(
    peer: z.output<typeof s.routerPeer>,
    origin: Origin,
    nodes: readonly ClusterNode[],
    routers: readonly Router[],
  ): RouterPeer {
    const field = (key: string): Origin => ({ ...origin, path: [...origin.path, key] });
    const given = (['node', 'router', 'nodeSelector', 'peerIP'] as const).filter((key) => peer[key] !== undefined);
    if (given.length !== 1)
      this.report(origin, 'a router peer names exactly one of node, router, nodeSelector or peerIP');
    if (peer.node !== undefined)
      this.checkName(
        peer.node,
        nodes.map((n) => n.name),
        'node',
        field('node'),
      );
    if (peer.router !== undefined)
      this.checkName(
        peer.router,
        routers.map((r) => r.name),
        'router',
        field('router'),
      );
    const nodeSelector =
      peer.nodeSelector === undefined ? undefined : this.selector(peer.nodeSelector, field('nodeSelector'));
    const peerIP = peer.peerIP === undefined ? undefined : this.address(peer.peerIP, field('peerIP'));
    if (peer.peerIP !== undefined && peer.asNumber === undefined)
      this.report(field('peerIP'), 'a peerIP peer needs asNumber');
    return {
      ...(peer.node !== undefined ? { node: peer.node } : {}),
      ...(peer.router !== undefined ? { router: peer.router } : {}),
      ...(nodeSelector !== undefined ? { nodeSelector } : {}),
      ...(peerIP !== undefined ? { peerIP } : {}),
      ...(peer.asNumber !== undefined ? { asNumber: peer.asNumber } : {}),
      routeReflectorClient: peer.routeReflectorClient ?? false,
      origin,
    };
  }

  private address(text: string, at: Origin): number | undefined {
    const ip = parseIpv4(text);
    if (ip === null) {
      this.report(at, `"${text}" is not an IPv4 address`);
      return undefined;
    }
    return ip;
  }

  private checkName(name: string, known: readonly string[], what: string, at: Origin): boolean {
    if (known.includes(name)) return true;
    this.report(at, `unknown ${what} "${name}"${didYouMean(name, known)}`);
    return false;
  }

  private checkUniqueAddresses(nodes: readonly ClusterNode[], routers: readonly Router[]): void {
    const owners = new Map<number, string>();
    const claim = (ip: number, owner: string, at: Origin): void => {
      const previous = owners.get(ip);
      if (previous !== undefined) this.report(at, `duplicate address ${formatIpv4(ip)}: ${previous} already uses it`);
      else owners.set(ip, owner);
    };
    for (const node of nodes)
      claim(node.ip, `node "${node.name}"`, { ...node.origin, path: [...node.origin.path, 'address'] });
    for (const router of routers) {
      router.interfaces.forEach((iface, j) => {
        claim(iface.ip, `router "${router.name}"`, {
          ...router.origin,
          path: [...router.origin.path, 'interfaces', j, 'address'],
        });
      });
    }
  }

  private resolvePeers(nodes: readonly ClusterNode[]): BgpPeer[] {
    const names = new Set<string>();
    return this.peers.flatMap(({ value, origin }) => {
      const field = (key: string): Origin => ({ ...origin, path: [...origin.path, key] });
      if (names.has(value.name)) this.report(field('name'), `duplicate BGPPeer name "${value.name}"`);
      names.add(value.name);
      if (value.node !== undefined && value.nodeSelector !== undefined)
        this.report(field('nodeSelector'), 'node and nodeSelector cannot both be set');
      if (value.peerIP !== undefined && value.peerSelector !== undefined)
        this.report(field('peerSelector'), 'peerIP and peerSelector cannot both be set');
      if (value.peerIP === undefined && value.peerSelector === undefined)
        this.report(origin, 'a BGPPeer needs peerIP or peerSelector');
      if (value.peerIP !== undefined && value.asNumber === undefined)
        this.report(field('peerIP'), 'a BGPPeer with peerIP needs asNumber');
      if (value.peerSelector !== undefined && value.asNumber !== undefined)
        this.report(field('asNumber'), "asNumber must be empty with peerSelector (the peers' own AS is used)");
      if (value.node !== undefined)
        this.checkName(
          value.node,
          nodes.map((n) => n.name),
          'node',
          field('node'),
        );
      const nodeSelector =
        value.nodeSelector === undefined ? undefined : this.selector(value.nodeSelector, field('nodeSelector'));
      const peerSelector =
        value.peerSelector === undefined ? undefined : this.selector(value.peerSelector, field('peerSelector'));
      const endpoint = value.peerIP === undefined ? undefined : this.peerEndpoint(value.peerIP, field('peerIP'));
      const nextHopMode = value.nextHopMode ?? (value.keepOriginalNextHop ? 'Keep' : 'Auto');
      const peer: BgpPeer = {
        name: value.name,
        nextHopMode,
        origin,
        ...(value.node !== undefined ? { node: value.node } : {}),
        ...(nodeSelector !== undefined ? { nodeSelector, nodeSelectorText: value.nodeSelector as string } : {}),
        ...(endpoint !== undefined
          ? { peerIP: endpoint.ip, ...(endpoint.port !== undefined ? { peerPort: endpoint.port } : {}) }
          : {}),
        ...(peerSelector !== undefined ? { peerSelector, peerSelectorText: value.peerSelector as string } : {}),
        ...(value.asNumber !== undefined ? { asNumber: value.asNumber } : {}),
        ...(value.localASNumber !== undefined ? { localASNumber: value.localASNumber } : {}),
      };
      return [peer];
    });
  }

  private peerEndpoint(text: string, at: Origin): { ip: number; port?: number } | undefined {
    const [host, port] = text.split(':');
    const ip = this.address(host ?? '', at);
    if (ip === undefined) return undefined;
    if (port === undefined) return { ip };
    const portNumber = Number(port);
    if (!Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65535) {
      this.report(at, `port "${port}" is out of range 1-65535`);
      return undefined;
    }
    return { ip, port: portNumber };
  }

  resolvePod(manifest: s.PodManifest, origin: Origin, nodes: readonly ClusterNode[]): PodSpec | undefined {
    const field = (...path: (string | number)[]): Origin => ({ ...origin, path: [...origin.path, ...path] });
    const names = new Set<string>();
    manifest.spec.containers.forEach((container, i) => {
      if (names.has(container.name))
        this.report(
          field('spec', 'containers', i, 'name'),
          `duplicate container name "${container.name}" in pod "${manifest.metadata.name}"`,
        );
      names.add(container.name);
    });
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(manifest.metadata.name)) {
      this.report(
        field('metadata', 'name'),
        `pod name "${manifest.metadata.name}" is not a valid DNS subdomain (lower-case letters, digits, '-' and '.')`,
      );
    }
    const nodeName = manifest.spec.nodeName;
    if (
      nodeName !== undefined &&
      !this.checkName(
        nodeName,
        nodes.map((n) => n.name),
        'node',
        field('spec', 'nodeName'),
      )
    )
      return undefined;
    const containers: ContainerSpec[] = manifest.spec.containers.map((container) => ({
      name: container.name,
      image: container.image,
      ports: (container.ports ?? []).map((port) => ({
        port: port.containerPort,
        protocol: port.protocol,
        ...(port.name !== undefined ? { name: port.name } : {}),
        ...(port.hostPort !== undefined ? { hostPort: port.hostPort } : {}),
      })),
      ...(container.command !== undefined ? { command: container.command } : {}),
      ...(container.args !== undefined ? { args: container.args } : {}),
    }));
    return {
      namespace: manifest.metadata.namespace ?? 'default',
      name: manifest.metadata.name,
      labels: manifest.metadata.labels ?? {},
      annotations: manifest.metadata.annotations ?? {},
      containers,
      ...(nodeName !== undefined ? { nodeName } : {}),
      nodeSelector: manifest.spec.nodeSelector ?? {},
      tolerations: (manifest.spec.tolerations ?? []).map((t) => ({
        operator: t.operator ?? (t.value === undefined ? 'Exists' : 'Equal'),
        ...(t.key !== undefined ? { key: t.key } : {}),
        ...(t.value !== undefined ? { value: t.value } : {}),
        ...(t.effect !== undefined ? { effect: t.effect } : {}),
      })),
      restartPolicy: manifest.spec.restartPolicy,
      origin,
    };
  }

  private checkUniquePods(pods: readonly PodSpec[]): void {
    const seen = new Set<string>();
    for (const pod of pods) {
      const key = `${pod.namespace}/${pod.name}`;
      if (seen.has(key))
        this.report({ ...pod.origin, path: [...pod.origin.path, 'metadata', 'name'] }, `duplicate pod "${key}"`);
      seen.add(key);
    }
  }

  private resolveEvents(
    written: readonly s.EventEntry[],
    source: number,
    nodes: readonly ClusterNode[],
    routers: readonly Router[],
    pods: readonly PodSpec[],
    listenPort: number,
  ): ScenarioEvent[] {
    const machines = [...nodes.map((n) => n.name), ...routers.map((r) => r.name)];
    const events: ScenarioEvent[] = [];
    written.forEach((event, i) => {
      const origin: Origin = { source, path: ['events', i] };
      const at = parseDuration(event.at);
      switch (event.action) {
        case 'link-down':
        case 'link-up':
          event.link.forEach((end, j) => {
            this.checkName(end, machines, 'node or router', { source, path: ['events', i, 'link', j] });
          });
          events.push({ at, origin, action: event.action, link: event.link });
          break;
        case 'node-down':
        case 'node-up':
          this.checkName(event.node, machines, 'node or router', { source, path: ['events', i, 'node'] });
          events.push({ at, origin, action: event.action, node: event.node });
          break;
        case 'block-port':
        case 'unblock-port':
          this.checkName(event.node, machines, 'node or router', { source, path: ['events', i, 'node'] });
          events.push({ at, origin, action: event.action, node: event.node, port: event.port ?? listenPort });
          break;
        case 'pod-create': {
          const pod = this.resolvePod(event.pod, { source, path: ['events', i, 'pod'] }, nodes);
          if (pod) events.push({ at, origin, action: 'pod-create', pod });
          break;
        }
        case 'pod-delete': {
          const [namespace, name] = event.pod.includes('/') ? event.pod.split('/', 2) : ['default', event.pod];
          const known = [...pods, ...events.flatMap((e) => (e.action === 'pod-create' ? [e.pod] : []))].map(
            (p) => `${p.namespace}/${p.name}`,
          );
          this.checkName(`${namespace}/${name}`, known, 'pod', { source, path: ['events', i, 'pod'] });
          events.push({ at, origin, action: 'pod-delete', namespace: namespace as string, name: name as string });
          break;
        }
      }
    });
    return events.sort((a, b) => a.at - b.at);
  }
}

/** FNV-1a over a string, for stable generated names. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}

/** Kubernetes' SafeEncodeString alphabet (no vowels, no look-alikes), as pod names use it. */
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function kubeSafe(seed: number, length: number): string {
  const rng = new Rng(seed);
  let out = '';
  for (let i = 0; i < length; i++) out += SAFE_ALPHABET[Math.floor(rng.next() * SAFE_ALPHABET.length)];
  return out;
}

function resolveImages(written: Readonly<Record<string, s.ImageEntry>>): Map<string, ImageBehaviour> {
  const images = new Map(builtinImages());
  for (const [name, entry] of Object.entries(written)) {
    images.set(normalizeImage(name), {
      ...(entry.ports !== undefined ? { ports: entry.ports } : {}),
      pullSeconds: entry.pullSeconds ?? 3,
      ...(entry.exitAfter !== undefined ? { exitAfter: parseDuration(entry.exitAfter) } : {}),
      exitCode: entry.exitCode ?? 0,
    });
  }
  return images;
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

type Defined<T> = { [K in keyof T]?: Exclude<T[K], undefined> };

function definedOnly<T extends object>(value: T): Defined<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Defined<T>;
}

function isDefined<T>(value: T | undefined): value is T {
  return value !== undefined;
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

/** Validates one Pod manifest (as `podnet create -f` reads it) against a resolved topology. */
export function resolvePodManifest(
  value: unknown,
  source: number,
  topology: Topology,
): { ok: true; pod: PodSpec } | { ok: false; issues: readonly Issue[] } {
  const resolver = new Resolver();
  const manifest = resolver.parse(s.podManifest, value, source, []);
  const pod = manifest === undefined ? undefined : resolver.resolvePod(manifest, { source, path: [] }, topology.nodes);
  if (pod === undefined || resolver.issues.length > 0) return { ok: false, issues: resolver.issues };
  return { ok: true, pod };
}

export type { Cidr };
