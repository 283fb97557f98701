/**
 * From pushed events (stream data, pin interrupts) to an async iterable the loop pulls from.
 * Bounded: a stream producer is paused when the channel is full and resumed when it drains
 * (real back-pressure); an event producer that cannot pause (a pin interrupt) has its oldest
 * event dropped and counted in `dropped`.
 */
export interface ChannelOptions {
  capacity: number;
  /** Called when the channel fills; the producer should stop pushing (stream.pause()). */
  pause?: () => void;
  /** Called when it has room again (stream.resume()). */
  resume?: () => void;
  /** Called once when the consumer ends the iteration (closes the port, unwatches the pin). */
  close?: () => void | Promise<void>;
}

export class Channel<T> implements AsyncIterableIterator<T> {
  private readonly items: T[] = [];
  private waiter: ((r: IteratorResult<T>) => void) | null = null;
  private failure: ((err: unknown) => void) | null = null;
  private ended = false;
  private error: unknown = null;
  private paused = false;
  private closing: Promise<void> | null = null;
  /**
   * Events dropped because the channel was full and the producer cannot pause, and those still
   * waiting here when the consumer ended the iteration.
   */
  dropped = 0;

  constructor(private readonly options: ChannelOptions) {}

  push(item: T): void {
    if (this.ended) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = this.failure = null;
      w({ value: item, done: false });
      return;
    }
    if (this.items.length >= this.options.capacity) {
      if (!this.options.pause) {
        this.items.shift();
        this.dropped++;
      }
    }
    this.items.push(item);
    if (this.options.pause && !this.paused && this.items.length >= this.options.capacity) {
      this.paused = true;
      this.options.pause();
    }
  }

  /** No more items (or a failure that the iteration rethrows after what is buffered). */
  end(error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    if (error !== undefined) this.error = error;
    if (this.waiter) {
      const w = this.waiter;
      const f = this.failure;
      this.waiter = this.failure = null;
      if (this.error !== null) f!(this.error);
      else w({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.items.length > 0) {
      const value = this.items.shift()!;
      if (this.paused && this.items.length < this.options.capacity / 2) {
        this.paused = false;
        this.options.resume?.();
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.ended) return this.error !== null ? Promise.reject(this.error) : Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiter = resolve;
      this.failure = reject;
    });
  }

  /** The consumer is done: release the device. Safe to call while a next() is pending. */
  async return(): Promise<IteratorResult<T>> {
    // What the consumer never took is counted, not lost silently.
    this.dropped += this.items.length;
    this.items.length = 0;
    this.end();
    this.closing ??= Promise.resolve(this.options.close?.());
    await this.closing;
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
