/**
 * Child process for the power-loss test: opens the store (the check that matters: a fresh process
 * must find a complete, valid active version), reports it, then installs and activates new
 * versions in a loop (pruning down to one kept version), rolling back every other round, until
 * it is killed with SIGKILL. Each phase is printed before it starts.
 *
 *   node --import tsx test/helpers/churn.ts <nameDir> <sample image>
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { open } from '../../src/index.ts';
import { BUNDLED_VERSION } from './index.ts';

const [nameDir, sample] = process.argv.slice(2) as [string, string];
const say = (line: string) => process.stdout.write(`${line}\n`);

try {
  // In-process sessions: this test is about the state file and the folders, and activations
  // that take less time let more kills land after one.
  const model = await open(nameDir, { settleMs: 0, keep: 1, isolate: 'none' });
  const r = await model(sample);
  say(`READY ${model.version} ${r.label}`);
  // Recorded before this event fires; pruning runs after it, before activate() returns.
  model.on('activated', (e) => say(`PRUNE ${e.version}`));
  const versions = (await model.versions()).map((v) => Number(v.version.split('.')[1]));
  let minor = Math.max(...versions) + 1;
  let round = 0;
  for (;;) {
    const version = `1.${minor++}.0`;
    const dir = path.join(nameDir, version);
    // Copied file by file, as an OTA agent or rsync would: a kill can leave any prefix of this.
    say(`COPY ${version}`);
    await mkdir(path.join(dir, 'golden'), { recursive: true });
    const m = JSON.parse(await readFile(path.join(BUNDLED_VERSION, 'manifest.json'), 'utf8'));
    m.version = version;
    await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(m));
    for (const f of ['model.onnx', 'labels.txt', 'profile.json', 'golden/index.json']) await copyFile(path.join(BUNDLED_VERSION, f), path.join(dir, f));
    const index = JSON.parse(await readFile(path.join(BUNDLED_VERSION, 'golden/index.json'), 'utf8'));
    for (const item of index.items) await copyFile(path.join(BUNDLED_VERSION, 'golden', item.file), path.join(dir, 'golden', item.file));
    await mkdir(path.join(dir, 'baselines/linear'), { recursive: true });
    for (const f of ['manifest.json', 'model.onnx', 'labels.txt']) await copyFile(path.join(BUNDLED_VERSION, 'baselines/linear', f), path.join(dir, 'baselines/linear', f));
    say(`ACTIVATE ${version}`);
    await model.activate(version);
    say(`ACTIVATED ${version}`);
    if (round++ % 2 === 0) {
      const target = (await model.versions()).find((v) => v.previous)?.version;
      say(`ROLLBACK ${target}`);
      say(`ROLLEDBACK ${await model.rollback()}`);
    }
  }
} catch (err) {
  say(`FAIL ${(err as Error).stack}`);
  process.exit(1);
}
