/**
 * registerRuntime refuses a taken name (issue 13, defect 5). The checks run in their own process
 * (test/helpers/registry-suite.ts): the registry is process-wide.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { test } from 'uvu';
import { ROOT } from './helpers/index.ts';

test('registry suite (in its own process) passes', async () => {
  try {
    await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/helpers/registry-suite.ts')], { cwd: ROOT, timeout: 120_000 });
  } catch (err) {
    const e = err as { code: unknown; stdout: string; stderr: string };
    throw new Error(`the registry suite failed (code ${e.code}):\n${e.stdout}\n${e.stderr}`);
  }
});

test.run();
