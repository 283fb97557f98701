/**
 * One error class, a stable `code` per failure. Codes are part of the public API: match on
 * `err.code`, never on the message (messages may be reworded).
 */
export const ErrorCode = {
  /** An argument or option has the wrong type or value. */
  INVALID_ARGUMENT: 'EDGEFN_INVALID_ARGUMENT',
  /** An input file could not be read (missing, permissions). */
  INPUT_UNREADABLE: 'EDGEFN_INPUT_UNREADABLE',
  /** An input could not be decoded: a corrupt or truncated image, a garbled sensor line. */
  INPUT_UNDECODABLE: 'EDGEFN_INPUT_UNDECODABLE',
  /** A reading has a missing or non-finite value (NaN), or a window has the wrong length. */
  INPUT_INVALID: 'EDGEFN_INPUT_INVALID',
  /** An image has more pixels than `limitInputPixels` allows. */
  INPUT_TOO_LARGE: 'EDGEFN_INPUT_TOO_LARGE',
  /** The model folder has no manifest.json (or no version folder holding one). */
  MANIFEST_MISSING: 'EDGEFN_MANIFEST_MISSING',
  /** manifest.json is not valid JSON or a field is wrong. */
  MANIFEST_INVALID: 'EDGEFN_MANIFEST_INVALID',
  /** A file the manifest names (model, labels) does not exist or cannot be read. */
  MODEL_MISSING: 'EDGEFN_MODEL_MISSING',
  /** A file does not match the sha256 the manifest gives for it. */
  MODEL_CHECKSUM: 'EDGEFN_MODEL_CHECKSUM',
  /** The runtime could not load the model file (truncated, not a model). */
  MODEL_UNLOADABLE: 'EDGEFN_MODEL_UNLOADABLE',
  /** The model's inputs or outputs differ from what the manifest says. */
  MODEL_MISMATCH: 'EDGEFN_MODEL_MISMATCH',
  /** No runtime that can run this format is installed or loads. */
  RUNTIME_UNAVAILABLE: 'EDGEFN_RUNTIME_UNAVAILABLE',
  /** The runtime failed while running the model. */
  RUNTIME_FAILED: 'EDGEFN_RUNTIME_FAILED',
  /** A version's manifest signature is missing, unknown or wrong where the store requires one. */
  SIGNATURE_INVALID: 'EDGEFN_SIGNATURE_INVALID',
  /** A version failed its golden-set validation (accuracy or latency). */
  VALIDATION_FAILED: 'EDGEFN_VALIDATION_FAILED',
  /** A version folder is still being copied (files missing or still changing). */
  VERSION_INCOMPLETE: 'EDGEFN_VERSION_INCOMPLETE',
  /** No such version in the store, or nothing to roll back to. */
  VERSION_NOT_FOUND: 'EDGEFN_VERSION_NOT_FOUND',
  /** The store has no version that passes its checks. */
  NO_VALID_VERSION: 'EDGEFN_NO_VALID_VERSION',
  /** A device is missing or cannot be opened: a serial port, a GPIO pin, a camera command. */
  DEVICE_UNAVAILABLE: 'EDGEFN_DEVICE_UNAVAILABLE',
  /** A device failed while in use: a capture command exited with an error, a port broke. */
  DEVICE_FAILED: 'EDGEFN_DEVICE_FAILED',
  /** The model was disposed and cannot be called any more. */
  DISPOSED: 'EDGEFN_DISPOSED',
  /** The process or thread running a model's session died; calls in flight fail, the next call starts a new one. */
  SESSION_DIED: 'EDGEFN_SESSION_DIED',
  /** The model answered with a value that is not a finite number (NaN, Infinity): never turned into a label. */
  OUTPUT_INVALID: 'EDGEFN_OUTPUT_INVALID',
  /** A sink (a results file, a GPIO pin, your callback) failed to take a result. */
  SINK_FAILED: 'EDGEFN_SINK_FAILED',
  /** The store's files could not be changed (state file, report, lock): nothing was activated. */
  STORE_WRITE_FAILED: 'EDGEFN_STORE_WRITE_FAILED',
  /** Another process holds the store's lock and did not let go in time. */
  STORE_LOCKED: 'EDGEFN_STORE_LOCKED',
  /** A version below the store's minimum version (`minVersion`) was asked to become active. */
  DOWNGRADE_REFUSED: 'EDGEFN_DOWNGRADE_REFUSED',
  /** A version does not beat the best simple baseline on the golden set by the store's `minLift`. */
  BASELINE_NOT_BEATEN: 'EDGEFN_BASELINE_NOT_BEATEN',
  /** A candidate broke a rule of its live rollout (agreement, latency, errors) and was rejected. */
  ROLLOUT_REJECTED: 'EDGEFN_ROLLOUT_REJECTED',
  /** promote() or abort() was asked for while no candidate is being rolled out. */
  NO_CANDIDATE: 'EDGEFN_NO_CANDIDATE',
  /** Something failed that edgefn did not foresee; the message and `cause` say what. A bug: please report it. */
  INTERNAL: 'EDGEFN_INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface ErrorDetails {
  /** The original error, from sharp, onnxruntime or the file system. */
  cause?: unknown;
  /** What was being processed: a file path, `Buffer(1234 bytes)`, `input[3]`. */
  input?: string;
  /** The option or manifest field at fault, as a dotted path (`input.layout`). */
  field?: string;
}

export class EdgefnError extends Error {
  override readonly name = 'EdgefnError';
  readonly code: ErrorCode;
  readonly input?: string;
  readonly field?: string;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    if (details.input !== undefined) this.input = details.input;
    if (details.field !== undefined) this.field = details.field;
  }
}

export function isEdgefnError(err: unknown, code?: ErrorCode): err is EdgefnError {
  return err instanceof EdgefnError && (code === undefined || err.code === code);
}

/** The message of anything thrown, for wrapping foreign errors. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
