/** What every contender offers the benchmark worker. */
import type { BenchModel } from '../lib/models.ts';

export interface Contender {
  /** Classifies one image file, returning the top label. */
  classify(file: string): Promise<string>;
  /** Classifies many files at once, when the contender has a batch path. */
  batch?(files: string[]): Promise<string[]>;
  close(): Promise<void>;
}

export type ContenderFactory = (model: BenchModel, options: { spinning?: boolean }) => Promise<Contender>;
