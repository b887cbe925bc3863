/**
 * The policy scenario: namespaces of pods under NetworkPolicies, and every pod traced to every
 * other (the reach matrix `podnet reach` draws), so the cost of policy per packet is measured
 * where it adds up. Each namespace has a default deny of ingress and three allowing policies
 * (by pod label, by namespace label, and an egress limit), so most pairs are decided by a rule.
 */
import type { Simulation } from '../core/bgp/simulate.js';
import type { Fib } from '../core/fib/index.js';
import { podFlow } from '../core/query/index.js';
import { Tracer } from '../core/trace/index.js';
import { timed } from './clock.js';

export interface PolicyDesign {
  readonly namespaces: number;
  readonly podsPerNamespace: number;
}

export interface ReachFigures {
  readonly pairs: number;
  readonly seconds: number;
  readonly pairsPerSecond: number;
  readonly policies: number;
  readonly dispositions: Readonly<Record<string, number>>;
}

const APPS = 4;
const TEAMS = 5;

/** Per namespace: a Namespace with a team label, a Deployment of its pods, and four policies. */
export function policyDocuments(design: PolicyDesign): string {
  const docs: string[] = [];
  for (let n = 0; n < design.namespaces; n++) {
    const ns = `ns-${n}`;
    docs.push(
      `---\napiVersion: v1\nkind: Namespace\nmetadata: { name: ${ns}, labels: { team: t${n % TEAMS} } }\n`,
      ...Array.from({ length: APPS }, (_, a) => deployment(ns, `a${a}`, Math.ceil(design.podsPerNamespace / APPS))),
      policy(ns, 'deny-ingress', '{}', 'policyTypes: [Ingress]'),
      policy(
        ns,
        'allow-a1-to-a0',
        '{ matchLabels: { app: a0 } }',
        'ingress: [{ from: [{ podSelector: { matchLabels: { app: a1 } } }], ports: [{ port: 80 }] }]',
      ),
      policy(
        ns,
        'allow-team',
        '{ matchLabels: { app: a2 } }',
        `ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: t${(n + 1) % TEAMS} } } }] }]`,
      ),
      policy(
        ns,
        'egress-pods-only',
        '{ matchLabels: { app: a3 } }',
        'policyTypes: [Egress]\n  egress: [{ to: [{ ipBlock: { cidr: 192.168.0.0/16 } }], ports: [{ port: 80 }] }]',
      ),
    );
  }
  return docs.join('');
}

function deployment(ns: string, app: string, replicas: number): string {
  return (
    `---\napiVersion: apps/v1\nkind: Deployment\nmetadata: { name: ${app}, namespace: ${ns} }\nspec:\n  replicas: ${replicas}\n` +
    `  selector: { matchLabels: { app: ${app} } }\n  template:\n    metadata: { labels: { app: ${app} } }\n` +
    '    spec: { containers: [{ name: web, image: nginx, ports: [{ containerPort: 80 }] }] }\n'
  );
}

function policy(ns: string, name: string, selector: string, rules: string): string {
  return `---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: ${name}, namespace: ${ns} }\nspec:\n  podSelector: ${selector}\n  ${rules}\n`;
}

/** Every pod to every other on port 80, traced and tallied (not kept: a million traces do not fit). */
export function measureReach(sim: Simulation, fibs: ReadonlyMap<string, Fib | undefined>): ReachFigures {
  const pods = sim.cluster.pods().filter((p) => p.podIp !== undefined);
  const tracer = new Tracer(sim, sim.until, fibs);
  const dispositions: Record<string, number> = {};
  const [pairs, took] = timed(() => {
    let walked = 0;
    for (const src of pods)
      for (const dst of pods) {
        if (src === dst) continue;
        walked++;
        for (const { kind } of tracer.dispositions(podFlow(src, dst, { port: 80 })))
          dispositions[kind] = (dispositions[kind] ?? 0) + 1;
      }
    return walked;
  });
  if ((dispositions['DENIED_IN'] ?? 0) === 0 || (dispositions['ACCEPTED'] ?? 0) === 0)
    throw new Error(
      `policy bench: the matrix should hold both allowed and denied pairs: ${JSON.stringify(dispositions)}`,
    );
  return {
    pairs,
    seconds: took,
    pairsPerSecond: pairs / took,
    policies: sim.cluster.policies.policies().length,
    dispositions,
  };
}
