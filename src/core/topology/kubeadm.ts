/** What kubeadm itself runs in a cluster, as podnet models it on request: CoreDNS. */
import type { DeploymentManifest } from './schema.js';

/** kubeadm 1.31's CoreDNS Deployment, as `cluster.coreDNS: true` asks for it. */
export function coreDnsDeployment(): DeploymentManifest {
  const port = (containerPort: number, protocol: 'UDP' | 'TCP', name: string) => ({ containerPort, protocol, name });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'coredns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { 'k8s-app': 'kube-dns' } },
      template: {
        metadata: { labels: { 'k8s-app': 'kube-dns' } },
        spec: {
          containers: [
            {
              name: 'coredns',
              image: 'registry.k8s.io/coredns/coredns:v1.11.3',
              ports: [port(53, 'UDP', 'dns'), port(53, 'TCP', 'dns-tcp'), port(9153, 'TCP', 'metrics')],
            },
          ],
          tolerations: [
            { key: 'CriticalAddonsOnly', operator: 'Exists' },
            { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' },
          ],
          restartPolicy: 'Always',
        },
      },
    },
  };
}
