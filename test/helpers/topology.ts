/** Builds resolved topologies from short literals through the real resolver. */

import type { Topology } from '../../src/core/topology/model.js';
import { resolveTopology } from '../../src/core/topology/resolve.js';

export function topology(document: Record<string, unknown>): Topology {
  const value = { cluster: { name: 'test', ...(document['cluster'] as object | undefined) }, ...document };
  value.cluster = { name: 'test', ...(document['cluster'] as object | undefined) };
  const result = resolveTopology([{ source: 0, value, expect: 'any' }]);
  if (!result.ok)
    throw new Error(
      `test topology invalid: ${result.issues.map((i) => `${i.at.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return result.topology;
}

export function workers(count: number, subnet = '10.0.1'): { name: string; address: string }[] {
  return Array.from({ length: count }, (_, i) => ({ name: `node-${i + 1}`, address: `${subnet}.${11 + i}/24` }));
}

export function pod(
  name: string,
  extra: Record<string, unknown> = {},
  containers?: unknown[],
): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { containers: containers ?? [{ name: 'app', image: 'nginx', ports: [{ containerPort: 80 }] }], ...extra },
  };
}
