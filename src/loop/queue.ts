/**
 * A bounded queue between a source and the model, with an explicit overflow policy. Pure: no
 * timers, no I/O. Every item that leaves other than by take() goes through `onDrop` with its
 * reason, so the loop can count it: nothing is dropped silently.
 */

/**
 * What a full queue does with a new item.
 * - `latest`: keep only the newest (cameras): older items are dropped as `stale`, and a take
 *   always gets the newest.
 * - `drop-oldest`: first in, first out; a full queue drops its oldest item (`overflow`).
 * - `block`: the producer waits for room (back-pressure: a serial stream stops being read).
 * - `reject`: a full queue refuses the new item (`rejected`).
 */
export const OVERFLOW_POLICIES = ['latest', 'drop-oldest', 'block', 'reject'] as const;
export type OverflowPolicy = (typeof OVERFLOW_POLICIES)[number];

/**
 * Why an item was not processed: the queue's reasons, and `stopped` for an item the source gave
 * while the loop was stopping (it never reached the queue).
 */
export type DropReason = 'stale' | 'overflow' | 'rejected' | 'shutdown' | 'stopped';

/**
 * What take() gives once the queue is closed and empty: a value no source can yield, so an item
 * that happens to be `undefined` can never be mistaken for the end.
 */
export const CLOSED: unique symbol = Symbol('edgefn.queue.closed');

export class BoundedQueue<T> {
  private readonly items: T[] = [];
  private readonly takers: ((item: T | typeof CLOSED) => void)[] = [];
  private readonly spaceWaiters: (() => void)[] = [];
  private closed = false;

  constructor(
    readonly capacity: number,
    readonly policy: OverflowPolicy,
    private readonly onDrop: (item: T, reason: DropReason) => void,
  ) {}

  get size(): number {
    return this.items.length;
  }

  /**
   * Offers an item. Resolves at once except under `block` with a full queue, where it resolves
   * when there is room (or the queue closes: then the item is dropped as `shutdown`).
   */
  async push(item: T): Promise<void> {
    const taker = this.takers.shift();
    if (taker) return taker(item);
    if (this.closed) return this.onDrop(item, 'shutdown');
    if (this.items.length < this.capacity) {
      this.items.push(item);
      return;
    }
    switch (this.policy) {
      case 'latest':
        this.onDrop(this.items.shift()!, 'stale');
        this.items.push(item);
        return;
      case 'drop-oldest':
        this.onDrop(this.items.shift()!, 'overflow');
        this.items.push(item);
        return;
      case 'reject':
        return this.onDrop(item, 'rejected');
      case 'block':
        await new Promise<void>((resolve) => this.spaceWaiters.push(resolve));
        return this.push(item);
    }
  }

  /** The next item (the newest under `latest`), waiting for one; CLOSED once closed and empty. */
  take(): Promise<T | typeof CLOSED> {
    if (this.items.length > 0) {
      let item: T;
      if (this.policy === 'latest') {
        item = this.items.pop()!;
        for (const old of this.items.splice(0)) this.onDrop(old, 'stale');
      } else {
        item = this.items.shift()!;
      }
      this.spaceWaiters.shift()?.();
      return Promise.resolve(item);
    }
    if (this.closed) return Promise.resolve(CLOSED);
    return new Promise((resolve) => this.takers.push(resolve));
  }

  /** No more items: takers get what is left, then CLOSED; blocked producers are released. */
  close(): void {
    this.closed = true;
    for (const t of this.takers.splice(0)) t(CLOSED);
    for (const w of this.spaceWaiters.splice(0)) w();
  }

  /** Drops everything queued, as `reason`. */
  discard(reason: DropReason): void {
    for (const item of this.items.splice(0)) this.onDrop(item, reason);
    for (const w of this.spaceWaiters.splice(0)) w();
  }
}
