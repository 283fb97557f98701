/**
 * Classify every image dropped into a folder and append one JSON line per result to a file.
 *
 *   node --import tsx examples/watch-folder.ts --dir ./inbox --out results.jsonl
 *   node --import tsx examples/watch-folder.ts --simulate     # drops a sample frame in every second
 *
 * Copy files in the safe way where you can (write beside the folder, then rename into it): a
 * file is taken once nothing has touched it for 200 ms.
 */
import { copyFile, mkdtemp, readdir, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { folderSource, jsonLinesSink, load, run, type Classification } from '../src/index.ts';
import { FRAMES, printStats, ROOT } from './lib/common.ts';

const { values } = parseArgs({ options: {
  simulate: { type: 'boolean', default: false },
  dir: { type: 'string', default: 'inbox' },
  out: { type: 'string', default: 'results.jsonl' },
  model: { type: 'string', default: path.join(ROOT, 'models/fashion-mnist') },
} });

let dir = values.dir;
if (values.simulate) {
  dir = await mkdtemp(path.join(tmpdir(), 'edgefn-inbox-'));
  const frames = (await readdir(FRAMES)).sort();
  let i = 0;
  const timer = setInterval(async () => {
    const name = `${String(i).padStart(4, '0')}-${frames[i % frames.length]}`;
    await copyFile(path.join(FRAMES, frames[i % frames.length]!), path.join(dir, `.${name}.part`));
    await rename(path.join(dir, `.${name}.part`), path.join(dir, name));
    i++;
  }, 1000);
  timer.unref();
}

const classify = await load(values.model);
const jsonl = jsonLinesSink<Classification, string>(values.out);
console.log(`classifying images dropped into ${dir}; results appended to ${values.out}; Ctrl-C to stop`);
const loop = run({
  source: await folderSource(dir),
  model: classify,
  queue: { policy: 'block', capacity: 32 }, // files wait on disk: take every one
  sink: {
    async write(r: Classification, file: string) {
      await jsonl.write(r, file);
      console.log(`${path.basename(file)}  ${r.label} ${(100 * r.score).toFixed(1)}%`);
    },
    close: () => jsonl.close(),
  },
  onError: (e, file) => console.error(`${String(file)}: ${e.code} ${e.message}`),
});
const stats = await loop.done;
await classify.dispose();
printStats(stats);
