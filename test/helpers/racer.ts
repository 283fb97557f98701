/**
 * Child process for the lock test: opens a store with watch, then installs and activates its own
 * versions (`<round+2>.<id>.0`), with pruning (keep 1), racing another racer. On "CHECK" from
 * stdin it scans (following the recorded state) and prints the version it serves.
 *
 *   node --import tsx test/helpers/racer.ts <nameDir> <id> <rounds>
 */
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { open, isEdgefnError } from '../../src/index.ts';
import { BUNDLED_VERSION } from './index.ts';

const [nameDir, id, rounds] = process.argv.slice(2) as [string, string, string];
const say = (line: string) => process.stdout.write(`${line}\n`);

const model = await open(nameDir, { watch: true, settleMs: 0, keep: 1, isolate: 'none', lockTimeoutMs: 120_000 });
let ok = 0;
const refused: string[] = [];
for (let r = 0; r < Number(rounds); r++) {
  const version = `${r + 2}.${id}.0`;
  const staging = path.join(path.dirname(nameDir), `racer-${id}-${version}`);
  await cp(BUNDLED_VERSION, staging, { recursive: true });
  const m = JSON.parse(await readFile(path.join(staging, 'manifest.json'), 'utf8'));
  m.version = version;
  await writeFile(path.join(staging, 'manifest.json'), JSON.stringify(m));
  await cp(staging, path.join(nameDir, version), { recursive: true });
  try {
    await model.activate(version);
    ok++;
  } catch (err) {
    // Pruned by the other racer before this one got the lock: a coded refusal, never a half state.
    if (!isEdgefnError(err)) throw err;
    refused.push(err.code);
  }
}
say(`DONE ${ok} ${JSON.stringify(refused)}`);
process.stdin.once('data', async () => {
  await model.scan();
  say(`SERVING ${model.version}`);
  await model.dispose();
  process.exit(0);
});
