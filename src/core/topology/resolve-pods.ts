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
  const everyContainer = [
    ...(manifest.spec.initContainers ?? []).map((c, i) => ({
      c,
      path: ['spec', 'initContainers', i, 'name'] as const,
    })),
    ...manifest.spec.containers.map((c, i) => ({ c, path: ['spec', 'containers', i, 'name'] as const })),
  ];
  everyContainer.forEach(({ c: container, path }) => {
    if (names.has(container.name))
      sink.report(
        field(...path),
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
  const initContainers = (manifest.spec.initContainers ?? []).map((container, i) =>
    containerOf(container, manifest, sink, field('spec', 'initContainers', i)),
  );
  const containers: ContainerSpec[] = manifest.spec.containers.map((container, i) =>
    containerOf(container, manifest, sink, field('spec', 'containers', i)),
  );
  return {
    namespace: manifest.metadata.namespace ?? 'default',
    name: manifest.metadata.name,
    labels: manifest.metadata.labels ?? {},
    annotations: manifest.metadata.annotations ?? {},
    containers,
    ...(initContainers.length > 0 ? { initContainers } : {}),
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
    ...(manifest.spec.hostNetwork === true ? { hostNetwork: true as const } : {}),
    origin,
  };
}
function containerOf(
  container: s.ContainerManifest,
  manifest: s.PodManifest,
  sink: IssueSink,
  at: Origin,
): ContainerSpec {
  const probe = readinessProbe(sink, container, at);
  return {
    name: container.name,
    image: container.image,
    ports: (container.ports ?? []).map((port) => ({
      port: port.containerPort,
      protocol: port.protocol,
      ...(port.name !== undefined ? { name: port.name } : {}),
      // On the host's network a container port is a host port (the API server defaults it so).
      ...(port.hostPort !== undefined
        ? { hostPort: port.hostPort }
        : manifest.spec.hostNetwork === true
          ? { hostPort: port.containerPort }
          : {}),
    })),
    ...(container.command !== undefined ? { command: container.command } : {}),
    ...(container.args !== undefined ? { args: container.args } : {}),
    ...(probe !== undefined ? { readinessProbe: probe } : {}),
  };
}

/** A probe's port by number, or by the name of one of the container's ports. */
function readinessProbe(
  sink: IssueSink,
  container: s.ContainerManifest,
  at: Origin,
): ContainerSpec['readinessProbe'] | undefined {
  const written = container.readinessProbe;
  if (written === undefined) return undefined;
  const handler = written.httpGet ?? written.tcpSocket;
  const kind = written.httpGet !== undefined ? 'httpGet' : 'tcpSocket';
  const port =
    typeof handler?.port === 'number'
      ? handler.port
      : container.ports?.find((p) => p.name !== undefined && p.name === handler?.port)?.containerPort;
  if (port === undefined) {
    sink.report(
      { ...at, path: [...at.path, 'readinessProbe', kind, 'port'] },
      'unknown-name',
      `the container has no port named "${String(handler?.port)}"`,
    );
    return undefined;
  }
  return {
    kind,
    port,
    ...(written.httpGet?.path !== undefined ? { path: written.httpGet.path } : {}),
    ...(written.httpGet?.scheme === 'HTTPS' ? { scheme: 'HTTPS' as const } : {}),
    initialDelaySeconds: written.initialDelaySeconds ?? 0,
    periodSeconds: written.periodSeconds ?? 10,
    successThreshold: written.successThreshold ?? 1,
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
