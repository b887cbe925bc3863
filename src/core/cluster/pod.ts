/** A pod as the cluster holds it: its spec, where and when it was placed, and who it is. */
import { createHash } from 'node:crypto';
import type { Allocation } from '../ipam/index.js';
import type { Ipv4 } from '../net/index.js';
import type { PodSpec, Topology } from '../topology/model.js';
import type { PodRecord } from './index.js';
import { readySince, runsForever } from './readiness.js';

function hexDigest(algorithm: 'sha1' | 'sha256', text: string): string {
  return createHash(algorithm).update(text).digest('hex');
}

/** Calico's host-side interface name: `cali` + the first 11 hex digits of SHA-1("namespace.name"). */
export function vethName(namespace: string, name: string): string {
  return `cali${hexDigest('sha1', `${namespace}.${name}`).slice(0, 11)}`;
}

/** A UUID (version 4 in shape) derived from text, so the same inputs give the same UIDs. */
export function uuidFrom(text: string): string {
  const h = hexDigest('sha256', text);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export type Placement = Pick<
  PodRecord,
  | 'scheduledBy'
  | 'scheduledAt'
  | 'firstScheduleError'
  | 'nodeName'
  | 'scheduleError'
  | 'sandboxError'
  | 'allocation'
  | 'placementWhy'
  | 'podIp'
>;

/**
 * A pod as created. Its sandbox ID, UID and veth name are hashes of who it is, computed the first
 * time something reads them: a cluster of 150,000 pods need not hash them all to route.
 */
export class Pod implements PodRecord {
  readonly scheduledBy: PodRecord['scheduledBy'];
  readonly scheduledAt: number;
  readonly firstScheduleError?: string;
  readonly nodeName?: string;
  readonly scheduleError?: string;
  readonly sandboxError?: string;
  readonly allocation?: Allocation;
  readonly placementWhy?: string;
  readonly podIp?: Ipv4;
  private hashes?: { sandboxId: string; uid: string; vethName: string };
  private ready?: { at: number | undefined; forever: boolean };

  constructor(
    readonly spec: PodSpec,
    readonly createdAt: number,
    /** seed/namespace/name/generation: what the hashes are taken of. */
    private readonly identity: string,
    placement: Placement,
  ) {
    this.scheduledBy = placement.scheduledBy;
    this.scheduledAt = placement.scheduledAt;
    if (placement.firstScheduleError !== undefined) this.firstScheduleError = placement.firstScheduleError;
    if (placement.nodeName !== undefined) this.nodeName = placement.nodeName;
    if (placement.scheduleError !== undefined) this.scheduleError = placement.scheduleError;
    if (placement.sandboxError !== undefined) this.sandboxError = placement.sandboxError;
    if (placement.allocation !== undefined) this.allocation = placement.allocation;
    if (placement.placementWhy !== undefined) this.placementWhy = placement.placementWhy;
    if (placement.podIp !== undefined) this.podIp = placement.podIp;
  }

  private get identityHashes(): { sandboxId: string; uid: string; vethName: string } {
    if (this.hashes === undefined) {
      const [seed, namespace, name, generation] = this.identity.split('/') as [string, string, string, string];
      this.hashes = {
        sandboxId: hexDigest('sha256', this.identity),
        uid: uuidFrom(`${seed}/uid/${namespace}/${name}/${generation}`),
        vethName: vethName(namespace, name),
      };
    }
    return this.hashes;
  }

  get sandboxId(): string {
    return this.identityHashes.sandboxId;
  }

  get uid(): string {
    return this.identityHashes.uid;
  }

  get vethName(): string {
    return this.identityHashes.vethName;
  }

  /** When the pod first turns Ready, and whether it then stays Ready; computed once. */
  readiness(images: Topology['images']): { at: number | undefined; forever: boolean } {
    this.ready ??= { at: readySince(this, images), forever: runsForever(this.spec, images) };
    return this.ready;
  }

  /** The same pod (same identity and creation), placed later by the scheduler's retry. */
  placed(placement: Placement): Pod {
    return new Pod(this.spec, this.createdAt, this.identity, placement);
  }
}
