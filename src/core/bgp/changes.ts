/**
 * Route changes on their way to a neighbour: (prefix, attribute set) pairs in a growable
 * Int32Array, recycled once delivered. Reflectors send every client the full table, so these
 * lists carry tens of millions of routes in a 5,000-node run; recycled, they stay out of the
 * garbage the collector has to chase. Invariant: a list is in the pool only while no outbox or
 * message holds it. Very long lists (full-table dumps) are left to the collector instead, so
 * the pool never holds more than a few megabytes.
 */
const INITIAL = 16;
const POOLED_MAX_LENGTH = 4096;
const POOL_SIZE = 4096;

export class ChangeList {
  data = new Int32Array(INITIAL);
  /** The number of integers in use: twice the number of changes. */
  length = 0;

  push(prefix: number, attrs: number): void {
    if (this.length + 2 > this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = prefix;
    this.data[this.length++] = attrs;
  }
}

export class ChangePool {
  private readonly free: ChangeList[] = [];

  take(): ChangeList {
    return this.free.pop() ?? new ChangeList();
  }

  give(list: ChangeList): void {
    if (list.data.length > POOLED_MAX_LENGTH || this.free.length >= POOL_SIZE) return;
    list.length = 0;
    this.free.push(list);
  }
}
