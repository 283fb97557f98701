#!/usr/bin/env node
/**
 * The edgefn command. The only module that calls process.exit.
 */
import { EdgefnError } from '../errors.js';
import { parseCommand, UsageError, USAGE } from './args.js';
import { classifyCommand } from './commands/classify.js';
import { inspectCommand } from './commands/inspect.js';
import { modelsCommand } from './commands/models.js';
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
        return await modelsCommand(cmd, io);
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
