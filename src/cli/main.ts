#!/usr/bin/env node
/**
 * The edgefn command. The only module that calls process.exit.
 */
import { EdgefnError } from '../errors.js';
import { parseCommand, UsageError, USAGE } from './args.js';
import { captureCommand } from './commands/capture.js';
import { classifyCommand } from './commands/classify.js';
import { explainCommand } from './commands/explain.js';
import { inspectCommand } from './commands/inspect.js';
import { modelsCommand } from './commands/models.js';
import { profileCommand } from './commands/profile.js';
import { rolloutCommand } from './commands/rollout.js';
import { EXIT, processIO, type CliIO, type ExitCode } from './io.js';
import { bundledModelDir, packageVersion } from './paths.js';

export async function run(argv: readonly string[], io: CliIO = processIO): Promise<ExitCode> {
  try {
    const cmd = parseCommand(argv);
    switch (cmd.kind) {
      case 'help':
        io.out(USAGE);
        return EXIT.ok;
      case 'version':
        io.out(packageVersion());
        return EXIT.ok;
      case 'classify':
        return await classifyCommand({ ...cmd, model: cmd.model ?? bundledModelDir() }, io);
      case 'inspect':
        return await inspectCommand({ ...cmd, model: cmd.model ?? bundledModelDir() }, io);
      case 'models':
        if (cmd.action.name === 'profile') return await profileCommand({ ...cmd, action: cmd.action }, io);
        if (cmd.action.name === 'rollout' || cmd.action.name === 'promote' || cmd.action.name === 'abort') return await rolloutCommand({ ...cmd, action: cmd.action }, io);
        return await modelsCommand(cmd, io);
      case 'capture':
        return await captureCommand(cmd, io);
      case 'explain':
        return await explainCommand({ ...cmd, model: cmd.model ?? bundledModelDir() }, io);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`edgefn: ${err.message}\n\n${USAGE}`);
      return EXIT.usage;
    }
    if (err instanceof EdgefnError) {
      io.err(`edgefn: ${err.message} [${err.code}]`);
      return err.code === 'EDGEFN_INVALID_ARGUMENT' ? EXIT.usage : EXIT.failed;
    }
    throw err;
  }
}

run(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
}, (err: unknown) => {
  process.stderr.write(`edgefn: unexpected error: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = EXIT.failed;
});
