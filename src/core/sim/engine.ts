/** The discrete-event engine: a (time, sequence) heap and the simulated clock. */
import { MinHeap } from './heap.js';

interface Scheduled<E> {
  readonly at: number;
  readonly seq: number;
  readonly event: E;
}

export interface RunLimits {
  /** Stop before the first event later than this (simulated seconds). */
  readonly until?: number;
  /** Stop after this many events: a guard against oscillation. */
  readonly maxEvents?: number;
}

export type RunResult =
  | { readonly kind: 'converged'; readonly at: number; readonly events: number }
  | { readonly kind: 'stopped'; readonly at: number; readonly events: number; readonly reason: 'time-limit' | 'event-limit' };

export class Engine<E> {
  private readonly queue = new MinHeap<Scheduled<E>>((a, b) => a.at < b.at || (a.at === b.at && a.seq < b.seq));
  private seq = 0;
  private clock = 0;

  get now(): number {
    return this.clock;
  }

  get pending(): number {
    return this.queue.size;
  }

  schedule(delay: number, event: E): void {
    if (!(delay >= 0)) throw new Error(`negative or invalid delay ${delay}`);
    this.queue.push({ at: this.clock + delay, seq: this.seq++, event });
  }

  scheduleAt(at: number, event: E): void {
    this.schedule(Math.max(0, at - this.clock), event);
  }

  /** Runs events through `handle` until the queue empties or a limit is reached. */
  run(handle: (event: E, now: number) => void, limits: RunLimits = {}): RunResult {
    const until = limits.until ?? Infinity;
    const maxEvents = limits.maxEvents ?? Infinity;
    let count = 0;
    for (;;) {
      const next = this.queue.peek();
      if (next === undefined) return { kind: 'converged', at: this.clock, events: count };
      if (next.at > until) {
        this.clock = Math.max(this.clock, until);
        return { kind: 'stopped', at: this.clock, events: count, reason: 'time-limit' };
      }
      if (count >= maxEvents) return { kind: 'stopped', at: this.clock, events: count, reason: 'event-limit' };
      this.queue.pop();
      if (next.at < this.clock) throw new Error('simulated time went backwards');
      this.clock = next.at;
      count++;
      handle(next.event, this.clock);
    }
  }
}
