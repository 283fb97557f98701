/**
 * Classify every image in a folder, and each one dropped into it, appending one JSON line per
 * result to a file.
 *
 *   node --import tsx examples/watch-folder.ts --dir ./inbox --out results.jsonl
 *   node --import tsx examples/watch-folder.ts --simulate     # drops a sample frame in every second
 *
 * Every file already in the folder is scored, however many (the folder is read as fast as the
 * model scores, nothing is dropped). Copy files in the safe way where you can (write beside the
 * folder, then rename into it): a file is taken once nothing has touched it for 200 ms. A folder
 * that does not exist is one line of error and exit code 1; the results file is only created
 * when there is a result to write.
 */
import { copyFile, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { folderSource, jsonLinesSink, load, run, type Classification } from '../src/index.ts';
import { FRAMES, printStats, ROOT, runExample } from './lib/common.ts';

runExample('watch-folder', async () => {
  const { values } = parseArgs({ options: {
    simulate: { type: 'boolean', default: false },
    dir: { type: 'string', default: 'inbox' },
    out: { type: 'string', default: 'results.jsonl' },
    model: { type: 'string', default: path.join(ROOT, 'models/fashion-mnist') },
  } });

  let dir = values.dir;
  let dropper: NodeJS.Timeout | null = null;
  if (values.simulate) {
    const inbox = await mkdtemp(path.join(tmpdir(), 'edgefn-inbox-'));
    dir = inbox;
    const frames = (await readdir(FRAMES)).sort();
    let i = 0;
    dropper = setInterval(() => {
      const frame = frames[i % frames.length]!;
      const name = `${String(i++).padStart(4, '0')}-${frame}`;
      copyFile(path.join(FRAMES, frame), path.join(inbox, `.${name}.part`))
        .then(() => rename(path.join(inbox, `.${name}.part`), path.join(inbox, name)))
        .catch((err: unknown) => console.error(`[simulate] ${String(err)}`));
    }, 1000);
  }

  try {
    // The folder first: a wrong --dir fails here, before a model is loaded or a file written.
    const source = await folderSource(dir);
    const classify = await load(values.model);
    const jsonl = jsonLinesSink<Classification, string>(values.out);
    console.log(`classifying the images in ${dir} and each one dropped into it; results appended to ${values.out}; Ctrl-C to stop`);
    const loop = run({
      source,
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
    const stats = await loop.done.finally(() => classify.dispose());
    printStats(stats);
  } finally {
    if (dropper) clearInterval(dropper);
    if (values.simulate) await rm(dir, { recursive: true, force: true });
  }
});
