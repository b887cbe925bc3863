/**
 * The offline registry's built-in catalogue: images a lab can use without declaring them, and
 * how each behaves when run. A topology's `images:` adds to it or overrides it; an image in
 * neither fails to pull (ErrImagePull), as an air-gapped cluster's would.
 */
import type { ImageBehaviour } from './model.js';

const CATALOGUE: Readonly<Record<string, ImageBehaviour>> = {
  'docker.io/andonovj/httpserverdemo:latest': { ports: [8080], pullSeconds: 4, exitCode: 0 },
  'docker.io/library/nginx:latest': { ports: [80], pullSeconds: 3, exitCode: 0 },
  'docker.io/library/httpd:latest': { ports: [80], pullSeconds: 3, exitCode: 0 },
  'docker.io/library/redis:latest': { ports: [6379], pullSeconds: 3, exitCode: 0 },
  'docker.io/library/postgres:latest': { ports: [5432], pullSeconds: 5, exitCode: 0 },
  'docker.io/hashicorp/http-echo:latest': { ports: [5678], pullSeconds: 2, exitCode: 0 },
  'docker.io/library/busybox:latest': { ports: [], pullSeconds: 1, exitAfter: 1, exitCode: 0 },
  'docker.io/library/alpine:latest': { ports: [], pullSeconds: 1, exitAfter: 1, exitCode: 0 },
  'docker.io/nicolaka/netshoot:latest': { ports: [], pullSeconds: 6, exitCode: 0 },
  'registry.k8s.io/pause:3.9': { ports: [], pullSeconds: 1, exitCode: 0 },
  // kubeadm 1.31's CoreDNS: DNS on 53 (UDP and TCP), metrics on 9153.
  'registry.k8s.io/coredns/coredns:v1.11.3': { ports: [53, 9153], pullSeconds: 2, exitCode: 0 },
};

export function builtinImages(): ReadonlyMap<string, ImageBehaviour> {
  return new Map(Object.entries(CATALOGUE));
}

/** Docker's reference normalisation: `nginx` is `docker.io/library/nginx:latest`. */
export function normalizeImage(reference: string): string {
  let name = reference;
  const lastSlash = name.lastIndexOf('/');
  const hasTag = name.lastIndexOf(':') > lastSlash || name.includes('@');
  if (!hasTag) name = `${name}:latest`;
  const first = name.split('/')[0] as string;
  const hasRegistry = name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasRegistry) return name;
  return name.includes('/') ? `docker.io/${name}` : `docker.io/library/${name}`;
}
