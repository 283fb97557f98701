/** `edgefn capture export <store> --out DIR`: the inputs captured while drifted or unsure, laid out as a dataset. */
import { EdgefnError, ErrorCode } from '../../errors.js';
import type { Command } from '../args.js';
import type { CliIO, ExitCode } from '../io.js';

export type CaptureArgs = Extract<Command, { kind: 'capture' }>;

export async function captureCommand(args: CaptureArgs, _io: CliIO): Promise<ExitCode> {
  // Placeholder until the drift capture lands (issue 15): says so instead of pretending.
  throw new EdgefnError(ErrorCode.INTERNAL, `capture export ${args.store}: not available in this build yet`);
}
