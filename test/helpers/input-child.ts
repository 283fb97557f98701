/**
 * Runs in a child process for test/input-files.test.ts: loads a model, starts a call on every
 * input path given at once (FIFOs, devices, folders, a real image last), and prints one JSON line:
 * each call's outcome and the process's peak RSS. A call that never settles keeps the process
 * from printing and exiting: the parent's deadline sees it.
 *
 *   node --import tsx test/helpers/input-child.ts <model dir> <json array of paths> [json load options]
 */
import { readFile } from 'node:fs/promises';
import { load } from '../../src/index.ts';

const [dir, inputsJson, optionsJson] = process.argv.slice(2);
const model = await load(dir!, optionsJson ? JSON.parse(optionsJson) : undefined);
const inputs = JSON.parse(inputsJson!) as string[];
const outcomes = await Promise.all(inputs.map((input) => model(input).then(
  (r) => ({ input, label: r.label }),
  (err: { code?: string; message?: string }) => ({ input, code: err.code ?? null, message: err.message ?? String(err) }),
)));
await model.dispose();
const status = await readFile('/proc/self/status', 'utf8');
const peakKb = Number(/^VmHWM:\s+(\d+)/m.exec(status)?.[1] ?? NaN);
process.stdout.write(`${JSON.stringify({ outcomes, peakMiB: Math.round(peakKb / 1024) })}\n`);
