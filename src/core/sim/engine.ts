/**
 * The discrete-event engine: a (time, sequence) heap and the simulated clock.
 * Invariants: events run in time order, and events at one time in the order they were scheduled;
 * the clock never goes backwards; a negative delay or a time in the past is a bug in the caller
 * and throws, rather than being clamped to now and silently reordering the run.
 */
import { TimedQueue } from './heap.js';

export interface RunLimits {
  /** Stop before the first event later than this (simulated seconds). */
  readonly until?: number;
  /** Stop after this many events: a guard against oscillation. */
  readonly maxEvents?: number;
}

export type RunResult =
  | { readonly kind: 'converged'; readonly at: number; readonly events: number }
  | {
      readonly kind: 'stopped';
      readonly at: number;
      readonly events: number;
      readonly reason: 'time-limit' | 'event-limit';
    };

export class Engine<E> {
  private readonly queue = new TimedQueue<E>();
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
    this.queue.push(this.clock + delay, this.seq++, event);
  }

  scheduleAt(at: number, event: E): void {
    if (!(at >= this.clock)) throw new Error(`cannot schedule at ${at}: simulated time is already ${this.clock}`);
    this.queue.push(at, this.seq++, event);
  }

  /** Runs events through `handle` until the queue empties or a limit is reached. */
  run(handle: (event: E, now: number) => void, limits: RunLimits = {}): RunResult {
    const until = limits.until ?? Infinity;
    const maxEvents = limits.maxEvents ?? Infinity;
    let count = 0;
    for (;;) {
      if (this.queue.size === 0) return { kind: 'converged', at: this.clock, events: count };
      const at = this.queue.nextTime;
      if (at > until) {
        this.clock = Math.max(this.clock, until);
        return { kind: 'stopped', at: this.clock, events: count, reason: 'time-limit' };
      }
      if (count >= maxEvents) return { kind: 'stopped', at: this.clock, events: count, reason: 'event-limit' };
      const event = this.queue.pop() as E;
      if (at < this.clock) throw new Error('simulated time went backwards');
      this.clock = at;
      count++;
      handle(event, this.clock);
    }
  }
}
