/** `edgefn models rollout|promote|abort <dir>`: a store's live rollout, read and decided from the command line. */
import { EdgefnError, ErrorCode } from '../../errors.js';
import type { Command } from '../args.js';
import type { CliIO, ExitCode } from '../io.js';

export type RolloutArgs = Extract<Command, { kind: 'models' }> & { action: { name: 'rollout' | 'promote' | 'abort'; dir: string } };

export async function rolloutCommand(args: RolloutArgs, _io: CliIO): Promise<ExitCode> {
  // Placeholder until the store's rollout lands (issue 14): says so instead of pretending.
  throw new EdgefnError(ErrorCode.INTERNAL, `models ${args.action.name} is not available in this build yet`);
}
