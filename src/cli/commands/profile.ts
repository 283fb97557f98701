/** `edgefn models profile <version-dir> [--data DIR|CSV]`: a version's reference profile for drift monitoring. */
import { EdgefnError, ErrorCode } from '../../errors.js';
import type { Command } from '../args.js';
import type { CliIO, ExitCode } from '../io.js';

export type ProfileArgs = Extract<Command, { kind: 'models' }> & { action: { name: 'profile'; versionDir: string; data?: string } };

export async function profileCommand(args: ProfileArgs, _io: CliIO): Promise<ExitCode> {
  // Placeholder until drift profiles land (issue 15): says so instead of pretending.
  throw new EdgefnError(ErrorCode.INTERNAL, `models profile ${args.action.versionDir}: not available in this build yet`);
}
