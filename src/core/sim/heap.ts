/**
 * Binary min-heaps: one over a caller-supplied ordering (the scheduler's least-loaded-node
 * choice), and one keyed by (time, sequence) for the simulator's event queue.
 */
export class MinHeap<T> {
  private readonly items: T[] = [];

  constructor(private readonly before: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  /** Sift up with a hole: parents move down until the item's place is found, then it is written once. */
  push(item: T): void {
    const items = this.items;
    let i = items.length;
    items.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const above = items[parent] as T;
      if (!this.before(item, above)) break;
      items[i] = above;
      i = parent;
    }
    items[i] = item;
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    const size = items.length;
    if (size === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= size) break;
      const right = child + 1;
      if (right < size && this.before(items[right] as T, items[child] as T)) child = right;
      const below = items[child] as T;
      if (!this.before(below, last)) break;
      items[i] = below;
      i = child;
    }
    items[i] = last;
    return top;
  }
}

/**
 * A min-heap of events keyed by (time, sequence), four children per node, with the keys in
 * typed arrays: sifting compares contiguous numbers, never touches an event, and a node's
 * children share a cache line. That keeps half a million pending events (a 1,000-node mesh
 * opening its sessions) from being a walk of cache misses.
 */
export class TimedQueue<E> {
  private times = new Float64Array(1024);
  private seqs = new Float64Array(1024);
  private events: (E | undefined)[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The earliest time waiting (read only when size > 0). */
  get nextTime(): number {
    return this.times[0] as number;
  }

  push(time: number, seq: number, event: E): void {
    if (this.count === this.times.length) this.grow();
    const { times, seqs, events } = this;
    let i = this.count++;
    while (i > 0) {
      const parent = (i - 1) >> 2;
      const t = times[parent] as number;
      if (t < time || (t === time && (seqs[parent] as number) < seq)) break;
      times[i] = t;
      seqs[i] = seqs[parent] as number;
      events[i] = events[parent];
      i = parent;
    }
    times[i] = time;
    seqs[i] = seq;
    events[i] = event;
  }

  pop(): E | undefined {
    if (this.count === 0) return undefined;
    const { times, seqs, events } = this;
    const top = events[0];
    const size = --this.count;
    const time = times[size] as number;
    const seq = seqs[size] as number;
    const last = events[size];
    events[size] = undefined;
    if (size === 0) return top;
    let i = 0;
    for (;;) {
      const first = 4 * i + 1;
      if (first >= size) break;
      let child = first;
      const end = Math.min(first + 4, size);
      for (let c = first + 1; c < end; c++) {
        if (
          (times[c] as number) < (times[child] as number) ||
          (times[c] === times[child] && (seqs[c] as number) < (seqs[child] as number))
        )
          child = c;
      }
      const t = times[child] as number;
      if (time < t || (time === t && seq < (seqs[child] as number))) break;
      times[i] = t;
      seqs[i] = seqs[child] as number;
      events[i] = events[child];
      i = child;
    }
    times[i] = time;
    seqs[i] = seq;
    events[i] = last;
    return top;
  }

  private grow(): void {
    const times = new Float64Array(this.times.length * 2);
    const seqs = new Float64Array(this.seqs.length * 2);
    times.set(this.times);
    seqs.set(this.seqs);
    this.times = times;
    this.seqs = seqs;
  }
}
