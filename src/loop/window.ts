/**
 * Turns a stream of readings into the windows a windowed tabular model takes: the last `size`
 * readings, every `hop` readings once full. Pure. Readings are checked here, before they enter
 * the window, so one bad reading is one failure, not `size` failed windows.
 */
import { readingValues, type Reading } from '../preprocess/features.js';
import type { WindowSpec } from '../manifest/index.js';

export class Windower {
  private readonly buffer: Reading[] = [];
  private sinceLast = 0;

  constructor(private readonly spec: WindowSpec, private readonly features: readonly string[]) {}

  /**
   * Adds a reading; returns the window it completes, or null while the window fills or between
   * hops. Throws INPUT_INVALID for a reading with a missing or non-finite value (not added).
   */
  push(reading: unknown, field: string): Reading[] | null {
    readingValues(reading, this.features, field);
    this.buffer.push(reading as Reading);
    if (this.buffer.length > this.spec.size) this.buffer.shift();
    this.sinceLast++;
    if (this.buffer.length < this.spec.size || this.sinceLast < this.spec.hop) return null;
    this.sinceLast = 0;
    return [...this.buffer];
  }
}
