/** Pods as the API server would admit them: names, containers, ports, nodes; and image behaviours. */

import { parseDuration } from './duration.js';
import { builtinImages, normalizeImage } from './images.js';
import type { IssueSink } from './issue-sink.js';
import type { ClusterNode, ContainerSpec, ImageBehaviour, Origin, PodSpec } from './model.js';
import type * as s from './schema.js';

export function resolvePod(
  sink: IssueSink,
  manifest: s.PodManifest,
  origin: Origin,
  nodes: readonly ClusterNode[],
): PodSpec | undefined {
  const field = (...path: (string | number)[]): Origin => ({ ...origin, path: [...origin.path, ...path] });
  const names = new Set<string>();
  manifest.spec.containers.forEach((container, i) => {
    if (names.has(container.name))
      sink.report(
        field('spec', 'containers', i, 'name'),
        'duplicate',
        `duplicate container name "${container.name}" in pod "${manifest.metadata.name}"`,
      );
    names.add(container.name);
  });
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(manifest.metadata.name)) {
    sink.report(
      field('metadata', 'name'),
      'invalid-value',
      `pod name "${manifest.metadata.name}" is not a valid DNS subdomain (lower-case letters, digits, '-' and '.')`,
    );
  }
  const nodeName = manifest.spec.nodeName;
  if (
    nodeName !== undefined &&
    !sink.checkName(
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
      ...(t.tolerationSeconds !== undefined ? { tolerationSeconds: t.tolerationSeconds } : {}),
    })),
    restartPolicy: manifest.spec.restartPolicy,
    origin,
  };
}
export function checkUniquePods(sink: IssueSink, pods: readonly PodSpec[]): void {
  const seen = new Set<string>();
  for (const pod of pods) {
    const key = `${pod.namespace}/${pod.name}`;
    if (seen.has(key))
      sink.report(
        { ...pod.origin, path: [...pod.origin.path, 'metadata', 'name'] },
        'duplicate',
        `duplicate pod "${key}"`,
      );
    seen.add(key);
  }
}

export function resolveImages(written: Readonly<Record<string, s.ImageEntry>>): Map<string, ImageBehaviour> {
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
