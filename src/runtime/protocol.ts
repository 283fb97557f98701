/** Messages between a process and its session host (./host.ts, ./isolated.ts). */
import type { ErrorCode } from '../errors.js';
import type { FileRef, Format } from '../model/manifest.js';
import type { SessionOptions, Tensor, TensorInfo } from './types.js';

export type HostRequest =
  /** The host reads (and with `verify`, checks) the model's files itself: their bytes never pass through the parent. */
  | { t: 'create'; format: Format; runtime?: string; versionDir: string; model: FileRef; files: FileRef[]; verify: boolean; options: SessionOptions }
  | { t: 'run'; id: number; feeds: Record<string, Tensor>; outputNames: readonly string[] }
  | { t: 'release' };

export type HostReply =
  | { t: 'created'; runtime: string; providers: string[]; inputs: TensorInfo[]; outputs: TensorInfo[] }
  | { t: 'result'; id: number; outputs: Record<string, Tensor> }
  | { t: 'error'; id?: number; code: ErrorCode; message: string }
  /** A process warning raised in the host (EDGEFN_PROVIDER_FALLBACK, ...), re-emitted by the parent. */
  | { t: 'warning'; code?: string; message: string };
