/** Builds resolved topologies from short literals through the real resolver. */

import { parseAllDocuments } from 'yaml';
import { type Cidr, parseCidr } from '../../src/core/net/index.js';
import type { Topology } from '../../src/core/topology/model.js';
import { resolveTopology } from '../../src/core/topology/resolve.js';
import { type GenerateOptions, generateTopology } from '../../src/io/generate.js';

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

/** A design from `podnet generate`, resolved: 5 pods a node, 3 reflectors or racks, IPIP, seed 7 unless told. */
export function generated(options: Partial<GenerateOptions> & Pick<GenerateOptions, 'nodes' | 'design'>): Topology {
  const text = generateTopology({
    podsPerNode: 5,
    reflectors: 3,
    racks: 3,
    spine: false,
    encap: 'ipip',
    seed: 7,
    ...options,
  });
  const result = resolveTopology(
    parseAllDocuments(text).map((doc, source) => ({ source, value: doc.toJS(), expect: 'any' as const })),
  );
  if (!result.ok) throw new Error(result.issues.map((i) => i.message).join('; '));
  return result.topology;
}

export function cidr(text: string): Cidr {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.value;
}
