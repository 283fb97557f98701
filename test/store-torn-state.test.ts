/**
 * A damaged state file never frees a version the store decided against (issue 12, defect 9).
 * The store holds 1.0.0 (active), 1.1.0 (rejected by the gate) and 1.2.0 (activated, then rolled
 * back from). Each seeded trial damages state.json (truncated, zeroed, random bytes, empty,
 * deleted), and in some trials state.json.bak as well, then opens the store: it must serve
 * 1.0.0 every time, and leave two valid copies behind.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { open, ErrorCode } from '../src/index.ts';
import { readStateFull } from '../src/store/state.ts';
import { WORSE_VERSION, installVersion, makeStore, rejectsWith, removeDir } from './helpers/index.ts';

const TRIALS = Number(process.env.EDGEFN_TORN_STATE_TRIALS ?? 120);

function random(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

type Damage = 'truncated' | 'zeroed' | 'random' | 'empty' | 'deleted';
const DAMAGES: Damage[] = ['truncated', 'zeroed', 'random', 'empty', 'deleted'];

async function damage(file: string, how: Damage, rand: () => number): Promise<void> {
  const bytes = await readFile(file);
  if (how === 'deleted') return rm(file, { force: true });
  if (how === 'empty') return writeFile(file, '');
  if (how === 'truncated') return writeFile(file, bytes.subarray(0, Math.floor(rand() * (bytes.length - 1))));
  if (how === 'zeroed') return writeFile(file, Buffer.alloc(bytes.length));
  return writeFile(file, Buffer.from(Array.from({ length: bytes.length }, () => Math.floor(rand() * 256))));
}

test(`${TRIALS} damaged state files: the store boots the last good decision, never a rejected or rolled-back version`, async () => {
  const nameDir = await makeStore();
  try {
    const setup = await open(nameDir, { settleMs: 0, isolate: 'none' });
    await installVersion(nameDir, '1.2.0');
    await setup.activate('1.2.0');
    assert.is(await setup.rollback(), '1.0.0');
    await installVersion(nameDir, '1.1.0', WORSE_VERSION);
    await rejectsWith(() => setup.activate('1.1.0'), ErrorCode.VALIDATION_FAILED);
    await setup.dispose();
    const primary = path.join(nameDir, 'state.json');
    const backup = path.join(nameDir, 'state.json.bak');
    const good = [await readFile(primary), await readFile(backup)] as const;

    const rand = random(12_2026);
    const counts: Record<string, number> = {};
    let bothDamaged = 0;
    for (let i = 0; i < TRIALS; i++) {
      const how = DAMAGES[i % DAMAGES.length]!;
      await damage(primary, how, rand);
      const alsoBackup = rand() < 0.4;
      if (alsoBackup) {
        await damage(backup, DAMAGES[Math.floor(rand() * DAMAGES.length)]!, rand);
        bothDamaged++;
      }
      counts[how] = (counts[how] ?? 0) + 1;
      const model = await open(nameDir, { settleMs: 0, isolate: 'none' });
      assert.is(model.version, '1.0.0', `trial ${i}: state.json ${how}${alsoBackup ? ', backup damaged too' : ''}`);
      await model.dispose();
      // The boot repaired the state: both copies valid again.
      const after = await readStateFull(nameDir);
      assert.equal([after.source, after.damaged, after.repair, after.state.active], ['primary', [], false, '1.0.0'], `trial ${i}`);
      await writeFile(primary, good[0]);
      await writeFile(backup, good[1]);
    }
    console.log(`torn state: ${TRIALS} trials (${JSON.stringify(counts)}; backup damaged too in ${bothDamaged}), ${TRIALS} restarts, 0 bad boots`);
  } finally {
    await removeDir(path.dirname(nameDir));
  }
});

test.run();
