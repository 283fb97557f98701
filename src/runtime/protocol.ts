/** Messages between a process and its session host (./host.ts, ./isolated.ts). */
import type { ErrorCode } from '../errors.js';
import type { FileRef, Format } from '../manifest/index.js';
import type { SessionOptions, Tensor, TensorInfo } from './types.js';

export type HostRequest =
  /** The host reads (and with `verify`, checks) the model's files itself: their bytes never pass through the parent. */
  | { t: 'create'; format: Format; runtime?: string; versionDir: string; model: FileRef; files: FileRef[]; verify: boolean; options: SessionOptions }
  | { t: 'run'; id: number; feeds: Record<string, Tensor>; outputNames: readonly string[] }
  /** Release the session, then close the channel so that the host ends by itself (exit code 0). */
  | { t: 'release' }
  /**
   * For tests only (never sent by edgefn): an uncaught error in the host, as a bug in a runtime
   * would raise, `now` or on receiving the next `run` (so that the run is under way when it dies).
   */
  | { t: 'fault'; when: 'now' | 'next-run' };

export type HostReply =
  | { t: 'created'; runtime: string; providers: string[]; inputs: TensorInfo[]; outputs: TensorInfo[] }
  | { t: 'result'; id: number; outputs: Record<string, Tensor> }
  | { t: 'error'; id?: number; code: ErrorCode; message: string }
  /** A process warning raised in the host (EDGEFN_PROVIDER_FALLBACK, ...), re-emitted by the parent. */
  | { t: 'warning'; code?: string; message: string };
