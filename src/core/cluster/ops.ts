/** What can happen to a cluster: the operations it replays, and what each one did. */

import type { PodSpec, ServiceSpec, WorkloadKind, WorkloadSpec } from '../topology/model.js';
import type { PolicyKind } from '../topology/policy-model.js';
import type { PolicyObject } from '../topology/policy-objects.js';

export type ClusterOp =
  | { readonly kind: 'create'; readonly at: number; readonly pod: PodSpec }
  | { readonly kind: 'delete'; readonly at: number; readonly namespace: string; readonly name: string }
  | { readonly kind: 'node-state'; readonly at: number; readonly node: string; readonly up: boolean }
  /** `kubectl cordon` (unschedulable) and `uncordon`. */
  | { readonly kind: 'cordon'; readonly at: number; readonly node: string; readonly unschedulable: boolean }
  /** A controller created, or its spec replaced (`apply`). */
  | { readonly kind: 'workload'; readonly at: number; readonly workload: WorkloadSpec }
  | {
      readonly kind: 'workload-delete' | 'scale';
      readonly at: number;
      readonly workload: WorkloadKind;
      readonly namespace: string;
      readonly name: string;
      /** For scale: the new replica count. */
      readonly replicas?: number;
    }
  /** A Service created or replaced, or deleted. */
  | { readonly kind: 'service'; readonly at: number; readonly service: ServiceSpec }
  | { readonly kind: 'service-delete'; readonly at: number; readonly namespace: string; readonly name: string }
  /** A NetworkPolicy (either API), GlobalNetworkPolicy, Namespace or Tier created or replaced. */
  | { readonly kind: 'policy'; readonly at: number; readonly object: PolicyObject }
  | {
      readonly kind: 'policy-delete';
      readonly at: number;
      readonly object: PolicyKind | 'Tier';
      readonly namespace?: string;
      readonly name: string;
    }
  /** `rollout undo`: back to a revision, or the one before the current. */
  | {
      readonly kind: 'undo';
      readonly at: number;
      readonly namespace: string;
      readonly name: string;
      readonly revision?: number;
    };

export type OpResult =
  /** touched: nodes whose pods were placed or removed (what they originate may change). */
  | { readonly ok: true; readonly touched: readonly string[] }
  | {
      readonly ok: false;
      readonly error: {
        readonly kind: 'already-exists' | 'not-found';
        readonly namespace: string;
        readonly name: string;
      };
    };
