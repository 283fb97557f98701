/**
 * Runs a task on a runtime session: one input, or a batch in chunks of `maxBatch` where the
 * decode of the next chunk overlaps the inference of this one (sharp works on libuv's threads,
 * onnxruntime on its own), so both cores stay busy.
 */
import { EdgefnError, ErrorCode } from '../errors.js';
import { allocate } from '../preprocess/tensor.js';
import type { RuntimeSession } from '../runtime/types.js';
import type { Manifest } from '../manifest/index.js';
import type { ResolvedCallOptions } from './options.js';
import type { Prepared, Task } from './tasks/task.js';

export interface PipelineConfig {
  manifest: Manifest;
  session: RuntimeSession;
  /** Largest number of inputs per runtime call; 1 when the model has no batch dimension. */
  maxBatch: number;
}

/**
 * Handed each input's prepared form with its result, in input order, as they come: a cascade keeps
 * the ones it will escalate, so its detailed stage runs on them without decoding them again.
 */
export type Keep<R> = (index: number, result: R, prepared: Prepared) => void;

/** Chunks being decoded ahead of the one being inferred. */
const PREFETCH = 2;

interface Slot {
  prepared: Prepared;
  started: number;
}

export class Pipeline<I, R> {
  private readonly itemSize: number;
  private readonly fixedBatch: number;

  constructor(private readonly task: Task<I, R>, private readonly config: PipelineConfig) {
    this.itemSize = task.itemDims.reduce((a, b) => a * b, 1);
    const batchDim = config.manifest.input.shape[0]!;
    // A model with a fixed batch of N > 1 gets every run padded to N.
    this.fixedBatch = batchDim > 0 ? batchDim : 0;
  }

  private async prepare(input: I): Promise<Slot> {
    const started = performance.now();
    return { prepared: await this.task.prepare(input), started };
  }

  /** `first`: the batch index of slots[0] in a batch call, null in a single call. */
  private async infer(slots: Slot[], options: ResolvedCallOptions, first: number | null = null): Promise<R[]> {
    const { manifest, session } = this.config;
    const n = this.fixedBatch || slots.length;
    const tensor = allocate(this.task.dtype, n * this.itemSize);
    const preprocessMs: number[] = [];
    slots.forEach((slot, i) => {
      const t0 = performance.now();
      slot.prepared.write(tensor, i * this.itemSize);
      preprocessMs.push(performance.now() - t0);
    });
    const t0 = performance.now();
    const out = await session.run({ [manifest.input.name]: { data: tensor, dims: [n, ...this.task.itemDims] } }, [manifest.output.name]);
    const inferMs = performance.now() - t0;
    const output = out[manifest.output.name]!;
    const rowSize = output.data.length / output.dims[0]!;
    const data = output.data instanceof Float32Array ? output.data : Float32Array.from(output.data);
    for (let i = 0; i < slots.length; i++) this.checkFinite(data, i, rowSize, first === null ? null : first + i);
    const done = performance.now();
    return slots.map((slot, i) => this.task.finish(data.subarray(i * rowSize, (i + 1) * rowSize), {
      decode: slot.prepared.decodeMs,
      preprocess: preprocessMs[i]!,
      infer: inferMs,
      total: done - slot.started,
    }, options));
  }

  /**
   * A model that answers NaN or Infinity (a corrupt weight, an overflow inside it) has no answer:
   * OUTPUT_INVALID naming the output and the model, never a label with a NaN score.
   */
  private checkFinite(data: Float32Array, row: number, rowSize: number, index: number | null): void {
    for (let j = row * rowSize; j < (row + 1) * rowSize; j++) {
      if (Number.isFinite(data[j])) continue;
      const { manifest } = this.config;
      const err = new EdgefnError(ErrorCode.OUTPUT_INVALID, `${manifest.name}@${manifest.version} answered ${data[j]} in output "${manifest.output.name}" (value ${j - row * rowSize}): not a finite number, so no answer`, {
        field: 'output',
      });
      throw index === null ? err : withIndex(err, index);
    }
  }

  /** Runs an input whose decode was started earlier (at load, alongside the session's creation). */
  async warmUp(prepared: Promise<Prepared>, options: ResolvedCallOptions): Promise<void> {
    const started = performance.now();
    try {
      await this.infer([{ prepared: await prepared, started }], options);
    } catch (err) {
      // Said plainly: the input at fault is edgefn's own (a blank pixel, zero readings), not the user's.
      if (!(err instanceof EdgefnError)) throw err;
      throw new EdgefnError(err.code, `At load, on edgefn's warm-up input (one black pixel, or readings of 0): ${err.message}`, { cause: err, input: 'warm-up', ...(err.field ? { field: err.field } : {}) });
    }
  }

  /** Decodes one checked input, for an explanation to copy and perturb. */
  prepareInput(input: I): Promise<Prepared> {
    return this.task.prepare(input);
  }

  /**
   * Runs inputs already prepared (an explanation's perturbed copies, a cascade's escalated inputs)
   * in runs of at most maxBatch, one at a time: the runs an explanation makes are counted by its
   * caller. `indexed`: an item's error names its index in `items`, as a batch call's does.
   */
  async runPrepared(items: readonly Prepared[], options: ResolvedCallOptions, indexed = false): Promise<R[]> {
    const size = this.config.maxBatch;
    const results: R[] = [];
    for (let i = 0; i < items.length; i += size) {
      const started = performance.now();
      const slots = items.slice(i, i + size).map((prepared) => ({ prepared, started }));
      results.push(...(await this.infer(slots, options, indexed ? i : null)));
    }
    return results;
  }

  /** Most inputs one runtime call takes. */
  get maxBatch(): number {
    return this.config.maxBatch;
  }

  async one(input: I, options: ResolvedCallOptions, keep?: Keep<R>): Promise<R> {
    const slot = await this.prepare(input);
    const [result] = await this.infer([slot], options);
    keep?.(0, result!, slot.prepared);
    return result!;
  }

  async many(inputs: readonly I[], options: ResolvedCallOptions, keep?: Keep<R>): Promise<R[]> {
    const size = this.config.maxBatch;
    const chunks: I[][] = [];
    for (let i = 0; i < inputs.length; i += size) chunks.push(inputs.slice(i, i + size));

    // Decodes run PREFETCH chunks ahead of inference, so the decoder never waits at a chunk
    // boundary. allSettled, so an abandoned chunk (after an earlier failure) never rejects unhandled.
    const decode = (k: number) => Promise.allSettled(chunks[k]!.map((x) => this.prepare(x)));
    const pending = chunks.slice(0, PREFETCH).map((_, k) => decode(k));
    const results: R[] = [];
    for (let k = 0; k < chunks.length; k++) {
      const settled = await pending.shift()!;
      if (k + PREFETCH < chunks.length) pending.push(decode(k + PREFETCH));
      const slots: Slot[] = [];
      for (const [j, s] of settled.entries()) {
        if (s.status === 'rejected') throw withIndex(s.reason, k * size + j);
        slots.push(s.value);
      }
      const done = await this.infer(slots, options, k * size);
      if (keep) done.forEach((r, j) => keep(k * size + j, r, slots[j]!.prepared));
      results.push(...done);
    }
    return results;
  }
}

/** Says which item of a batch failed, keeping the code and the cause. */
function withIndex(err: unknown, index: number): unknown {
  if (!(err instanceof EdgefnError)) return err;
  return new EdgefnError(err.code, `input[${index}]: ${err.message}`, { cause: err.cause, input: err.input ?? `input[${index}]`, field: err.field });
}
