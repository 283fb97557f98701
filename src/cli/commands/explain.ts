/** `edgefn explain <input>`: why the model answered what it did. */
import { EdgefnError, ErrorCode } from '../../errors.js';
import type { Command } from '../args.js';
import type { CliIO, ExitCode } from '../io.js';

export type ExplainArgs = Extract<Command, { kind: 'explain' }> & { model: string };

export async function explainCommand(_args: ExplainArgs, _io: CliIO): Promise<ExitCode> {
  // Placeholder until explanations land (issue 16): says so instead of pretending.
  throw new EdgefnError(ErrorCode.INTERNAL, 'explain is not available in this build yet');
}
