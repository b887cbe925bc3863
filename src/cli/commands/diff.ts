/** `podnet diff A B`: two designs, or one cluster at two moments, compared fact by fact. */
import {
  type Difference,
  diffFacts,
  factsOf,
  REACH_POD_LIMIT,
  reachabilityCompared,
  SECTIONS,
  type Section,
} from '../../io/diff.js';
import { type GlobalOptions, viewSimulation } from '../context.js';
import type { CliIo } from '../io.js';
import { parseAt } from './at-flag.js';
import { printObject } from './pods.js';

const TITLES: Readonly<Record<Section, string>> = {
  machines: 'Machines',
  sessions: 'BGP sessions',
  routes: 'Best routes (next hop and AS path)',
  fib: 'Forwarding tables (ip route)',
  services: 'Services (type, ClusterIP, ports, ready endpoints)',
  policies: 'Network policies (tier, order, selector, rules)',
  reachability: 'Reachability (pod to pod, first port)',
};

/** `FILE`, `FILE@TIME`, `workspace` or `workspace@TIME`. */
function sideOf(io: CliIo, options: GlobalOptions, operand: string) {
  const at = operand.lastIndexOf('@');
  const [source, time] = at > 0 ? [operand.slice(0, at), parseAt(operand.slice(at + 1))] : [operand, undefined];
  const { topology: _file, ...workspaceOptions } = options;
  const { sim } = viewSimulation(
    source === 'workspace' ? workspaceOptions : { ...options, topology: source },
    io,
    time === undefined ? {} : { at: time },
  );
  return { label: `${source} at ${sim.until}s`, sim };
}

function differenceLine(d: Difference): string {
  if (d.a === undefined) return `+ ${d.key}: ${d.b}`;
  if (d.b === undefined) return `- ${d.key}: ${d.a}`;
  return `~ ${d.key}: ${d.a} -> ${d.b}`;
}

export function diffCommand(
  io: CliIo,
  options: GlobalOptions,
  a: string,
  b: string,
  flags: { output?: 'json' },
): number {
  const left = sideOf(io, options, a);
  const right = sideOf(io, options, b);
  // Both sides or neither: one side's pairs against nothing would read as every pair changed.
  const compared = reachabilityCompared(left.sim, right.sim);
  const differences = diffFacts(factsOf(left.sim, compared), factsOf(right.sim, compared));
  const total = SECTIONS.reduce((sum, s) => sum + differences[s].length, 0);
  if (flags.output === 'json') {
    const leftOut = compared ? {} : { reachabilityLeftOut: true };
    printObject(io, { a: left.label, b: right.label, differences: total, ...differences, ...leftOut }, 'json');
    return total === 0 ? 0 : 1;
  }
  const lines = [`--- a: ${left.label}`, `+++ b: ${right.label}`];
  for (const section of SECTIONS) {
    if (differences[section].length === 0) continue;
    lines.push('', `${TITLES[section]}: ${differences[section].length}`, ...differences[section].map(differenceLine));
  }
  if (!compared)
    lines.push(
      '',
      `Reachability left out: more than ${REACH_POD_LIMIT} pods with addresses on a side (every pair would be traced).`,
    );
  lines.push(
    '',
    total === 0
      ? 'No differences.'
      : `${total} difference${total === 1 ? '' : 's'}: ${SECTIONS.map((s) => `${s} ${differences[s].length}`).join(', ')}`,
  );
  io.stdout(`${lines.join('\n')}\n`);
  return total === 0 ? 0 : 1;
}
