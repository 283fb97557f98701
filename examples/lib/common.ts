/** What the three examples share: flags, a simulated camera, printing. */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isEdgefnError, type Camera, type LoopStats } from '../../src/index.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const FRAMES = path.join(ROOT, 'examples/data/frames');

/**
 * With --simulate there is no camera: frames come from examples/data/frames, one after another.
 * The same Camera interface as camera({ preset: 'rpicam-still' }) on a Pi.
 */
export async function framesCamera(dir = FRAMES): Promise<Camera> {
  const { readFile } = await import('node:fs/promises');
  const files = (await readdir(dir)).filter((f) => /\.(png|jpe?g)$/i.test(f)).sort();
  let next = 0;
  return {
    command: `frames from ${dir}`,
    args: [],
    capture: () => readFile(path.join(dir, files[next++ % files.length]!)),
  };
}

export function printStats(stats: LoopStats): void {
  const dropped = Object.entries(stats.dropped).filter(([, v]) => v > 0).map(([k, v]) => `${v} ${k}`).join(', ') || 'none';
  console.log(`stopped (${stats.stoppedBy}): received ${stats.received}, processed ${stats.processed}, failed ${stats.failed}, dropped ${dropped}`);
}

/**
 * Runs an example's main(). A failure is one line on stderr (`watch-folder: EDGEFN_DEVICE_UNAVAILABLE
 * Cannot read folder ...`) and exit code 1, not a stack trace; an error edgefn did not code keeps
 * its stack (it is a bug to report).
 */
export function runExample(name: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    console.error(isEdgefnError(err) ? `${name}: ${err.code} ${err.message}` : err);
    process.exitCode = 1;
  });
}
