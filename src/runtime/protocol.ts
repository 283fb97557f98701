/** Messages between a process and its session host (./host.ts, ./isolated.ts). */
import type { ErrorCode } from '../errors.js';
import type { Format } from '../model/manifest.js';
import type { SessionOptions, Tensor, TensorInfo } from './types.js';

export type HostRequest =
  /** The host reads the model file itself (checking `sha256` when given): its bytes never pass through the parent. */
  | { t: 'create'; format: Format; runtime?: string; file: string; sha256?: string; options: SessionOptions }
  | { t: 'run'; id: number; feeds: Record<string, Tensor>; outputNames: readonly string[] }
  | { t: 'release' };

export type HostReply =
  | { t: 'created'; runtime: string; providers: string[]; inputs: TensorInfo[]; outputs: TensorInfo[] }
  | { t: 'result'; id: number; outputs: Record<string, Tensor> }
  | { t: 'error'; id?: number; code: ErrorCode; message: string };
