/**
 * Runs a task on a runtime session: one input, or a batch in chunks of `maxBatch` where the
 * decode of the next chunk overlaps the inference of this one (sharp works on libuv's threads,
 * onnxruntime on its own), so both cores stay busy.
 */
import { EdgefnError } from '../errors.js';
import { allocate } from '../preprocess/tensor.js';
import type { RuntimeSession } from '../runtime/types.js';
import type { Manifest } from './manifest.js';
import type { ResolvedCallOptions } from './options.js';
import type { Prepared, Task } from './tasks/task.js';

export interface PipelineConfig {
  manifest: Manifest;
  session: RuntimeSession;
  /** Largest number of inputs per runtime call; 1 when the model has no batch dimension. */
  maxBatch: number;
}

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

  private async infer(slots: Slot[], options: ResolvedCallOptions): Promise<R[]> {
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
    const done = performance.now();
    return slots.map((slot, i) => this.task.finish(data.subarray(i * rowSize, (i + 1) * rowSize), {
      decode: slot.prepared.decodeMs,
      preprocess: preprocessMs[i]!,
      infer: inferMs,
      total: done - slot.started,
    }, options));
  }

  /** Runs an input whose decode was started earlier (at load, alongside the session's creation). */
  async warmUp(prepared: Promise<Prepared>, options: ResolvedCallOptions): Promise<void> {
    const started = performance.now();
    await this.infer([{ prepared: await prepared, started }], options);
  }

  async one(input: I, options: ResolvedCallOptions): Promise<R> {
    const [result] = await this.infer([await this.prepare(input)], options);
    return result!;
  }

  async many(inputs: readonly I[], options: ResolvedCallOptions): Promise<R[]> {
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
      results.push(...(await this.infer(slots, options)));
    }
    return results;
  }
}

/** Says which item of a batch failed, keeping the code and the cause. */
function withIndex(err: unknown, index: number): unknown {
  if (!(err instanceof EdgefnError)) return err;
  return new EdgefnError(err.code, `input[${index}]: ${err.message}`, { cause: err.cause, input: err.input ?? `input[${index}]`, field: err.field });
}
