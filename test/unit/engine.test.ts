/**
 * The event engine's contract: events in time order, ties in scheduling order (also for events
 * scheduled while others run), a clock that never goes backwards, and times in the past or
 * negative delays refused instead of clamped.
 */
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/core/sim/engine.js';
import { TimedQueue } from '../../src/core/sim/heap.js';
import { Rng } from '../../src/core/sim/rng.js';

describe('TimedQueue', () => {
  it('pops 20,000 random (time, sequence) keys in exactly sorted order', () => {
    const rng = new Rng(42);
    const queue = new TimedQueue<number>();
    const keys: [number, number][] = [];
    for (let seq = 0; seq < 20_000; seq++) {
      // Few distinct times, so that ties are common.
      const time = Math.floor(rng.next() * 50) / 4;
      keys.push([time, seq]);
      queue.push(time, seq, seq);
    }
    const popped: number[] = [];
    while (queue.size > 0) popped.push(queue.pop() as number);
    const expected = [...keys].sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(([, seq]) => seq);
    expect(popped).toEqual(expected);
  });
});

describe('Engine', () => {
  it('runs ties in scheduling order, including events scheduled while others run', () => {
    const engine = new Engine<string>();
    const seen: string[] = [];
    engine.schedule(1, 'a');
    engine.schedule(1, 'b');
    engine.schedule(0.5, 'first');
    engine.run((event) => {
      seen.push(event);
      if (event === 'a') {
        engine.schedule(0, 'a-child');
        engine.scheduleAt(1, 'a-child-at');
      }
    });
    expect(seen).toEqual(['first', 'a', 'b', 'a-child', 'a-child-at']);
  });

  it('never moves the clock backwards, and stops at the time limit with the clock there', () => {
    const rng = new Rng(7);
    const engine = new Engine<number>();
    for (let i = 0; i < 1_000; i++) engine.schedule(rng.next() * 100, i);
    let last = 0;
    const result = engine.run(
      (_, now) => {
        expect(now).toBeGreaterThanOrEqual(last);
        last = now;
        if (rng.next() < 0.3) engine.schedule(rng.next() * 10, -1);
      },
      { until: 60 },
    );
    expect(result).toMatchObject({ kind: 'stopped', reason: 'time-limit', at: 60 });
    expect(engine.now).toBe(60);
  });

  it('refuses a time in the past, a negative delay and NaN instead of clamping them', () => {
    const engine = new Engine<string>();
    engine.schedule(10, 'later');
    engine.run(() => undefined);
    expect(engine.now).toBe(10);
    expect(() => engine.scheduleAt(9.5, 'past')).toThrow('cannot schedule at 9.5: simulated time is already 10');
    expect(() => engine.schedule(-1, 'negative')).toThrow('negative or invalid delay -1');
    expect(() => engine.schedule(Number.NaN, 'nan')).toThrow('negative or invalid delay NaN');
    expect(() => engine.scheduleAt(Number.NaN, 'nan')).toThrow();
    expect(engine.pending).toBe(0);
  });

  it('stops at the event limit, the guard against oscillation', () => {
    const engine = new Engine<string>();
    engine.schedule(1, 'ping');
    const result = engine.run((event) => engine.schedule(1, event), { maxEvents: 100 });
    expect(result).toEqual({ kind: 'stopped', at: 100, events: 100, reason: 'event-limit' });
  });
});
