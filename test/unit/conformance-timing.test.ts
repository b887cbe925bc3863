/**
 * The conformance suite's timing comparison: when each best route took its final value after an
 * event, in podnet's timeline and in BIRD's polls. It agrees within the tolerance and reports a
 * route that BIRD changed at another moment than podnet predicts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { compareTiming, predictedChanges, TIMING_TOLERANCE, Watch } from '../../src/conformance/timing.js';
import { emptyView, type MachineView } from '../../src/conformance/views.js';
import { simulate } from '../../src/core/bgp/simulate.js';
import { type Cidr, formatCidr } from '../../src/core/net/index.js';
import { nodeFileSystem } from '../../src/io/fs.js';
import { loadTopology } from '../../src/io/topology-file.js';
import { repoPath } from '../helpers/cli.js';

function views(best: Record<string, string>): Map<string, MachineView> {
  const view = emptyView();
  for (const [prefix, route] of Object.entries(best)) view.best.set(prefix, route);
  return new Map([['node-1', view]]);
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(0);
});
afterEach(() => vi.useRealTimers());

describe('BIRD side: the polls', () => {
  it('dates a change at the first poll from which the route stayed as it ended', () => {
    const watch = new Watch();
    watch.record(views({ '10.244.1.0/26': 'via 10.0.0.2' }));
    vi.setSystemTime(1000);
    watch.record(views({ '10.244.1.0/26': 'via 10.0.0.3' }));
    vi.setSystemTime(2000);
    watch.record(views({}));
    vi.setSystemTime(3000);
    watch.record(views({}));
    const before = new Map([['node-1 10.244.1.0/26', 'via 10.0.0.2']]);
    expect(watch.changes(before)).toEqual(new Map([['node-1 10.244.1.0/26', 2]]));
  });
});

describe('podnet side and the comparison', () => {
  const loaded = loadTopology(repoPath('test/conformance/graceful-restart.yaml'), nodeFileSystem);
  if (!loaded.ok) throw new Error('graceful-restart.yaml does not load');
  // node-2's BIRD is down from 120 s for 30 s; its peers' restart timers (20 s) flush its block at 140 s.
  const sim = simulate(loaded.topology, [], { until: 149, timeline: true });
  const [block] = sim.cluster.ipam.blocksOf('node-2');
  const key = `node-1 ${formatCidr((block as { cidr: Cidr }).cidr)}`;
  const before = new Map([[key, 'via 10.0.0.12 path []']]);
  const predicted = predictedChanges(sim, 120, before, new Map());

  it('dates the flush at the restart time after the restart', () => {
    expect(predicted.get(key)).toBe(20);
  });

  it('agrees within the tolerance and reports a change BIRD made at another moment', () => {
    expect(compareTiming(predicted, new Map([[key, 20 + TIMING_TOLERANCE]]))).toEqual({
      agree: 1,
      total: 1,
      differences: [],
    });
    expect(compareTiming(predicted, new Map([[key, 1]]))).toEqual({
      agree: 0,
      total: 1,
      differences: [`${key} changed: podnet after 20.0s; BIRD after 1.0s`],
    });
  });
});
