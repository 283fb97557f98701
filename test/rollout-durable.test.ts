/**
 * A rollout outlives its process: counters flushed to state.json (checksummed with the rest)
 * and resumed by the next open(); a candidate whose files changed is dropped at boot with a
 * warning; the CLI reads the recorded rollout and decides it, and a running app follows.
 * Listens to process warnings: its own file.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { open } from '../src/index.ts';
import { readStateFull } from '../src/store/state.ts';
import { edgefnSrc, nextEvent, stageVersion, withStore } from './helpers/store-kit.ts';
import { drive } from './helpers/rollout-kit.ts';

const FAST = { settleMs: 0, isolate: 'none' } as const;
const QUIET = { mode: 'shadow', minCalls: 100_000 } as const;

async function withCandidate(fn: (nameDir: string) => Promise<void>): Promise<void> {
  await withStore(async (nameDir) => {
    const model = await open(nameDir, { ...FAST, rollout: QUIET });
    await stageVersion(nameDir, '1.1.0');
    await model.scan();
    await drive(model, 50);
    await model.dispose(); // flushes the counters
    await fn(nameDir);
  });
}

test('restart: the rollout resumes where it stood, counters and all', async () => {
  await withCandidate(async (nameDir) => {
    const recorded = (await readStateFull(nameDir)).state.rollout!;
    assert.is(recorded.counters.calls, 50, 'close() flushed every call counted');
    assert.ok(recorded.counters.compared + recorded.counters.dropped === 50);
    const model = await open(nameDir, FAST); // no rollout option: the recorded rollout goes on anyway
    const resumed = await nextEvent(model, 'rollout');
    assert.is(resumed.phase, 'resumed');
    assert.equal([model.version, model.rollout()?.version, model.rollout()?.figures.calls], ['1.0.0', '1.1.0', 50]);
    await drive(model, 10);
    assert.is(model.rollout()!.figures.calls, 60);
    await model.dispose();
    assert.is((await readStateFull(nameDir)).state.rollout!.counters.calls, 60);
  });
});

test('restart: a candidate whose files changed since the gate is dropped with a warning', async () => {
  await withCandidate(async (nameDir) => {
    const labels = path.join(nameDir, '1.1.0', 'labels.txt');
    await writeFile(labels, `${await readFile(labels, 'utf8')}\n`);
    const warnings: string[] = [];
    const onWarning = (w: Error & { code?: string }) => warnings.push(`${w.code} ${w.message}`);
    process.on('warning', onWarning);
    try {
      const model = await open(nameDir, FAST);
      await new Promise((r) => setImmediate(r));
      assert.is(model.rollout(), null);
      assert.is(model.version, '1.0.0');
      assert.ok(warnings.some((w) => /^EDGEFN_ROLLOUT_DROPPED .*1\.1\.0 cannot go on \(its files changed since it passed the gate\)/.test(w)), warnings.join('\n'));
      assert.is((await readStateFull(nameDir)).state.rollout, null);
      await model.dispose();
    } finally {
      process.off('warning', onWarning);
    }
  });
});

test('state.json: the rollout is under the checksum (a changed counter fails the copy: the backup is read); without one the state is version 2 as before', async () => {
  await withCandidate(async (nameDir) => {
    const file = path.join(nameDir, 'state.json');
    const s = JSON.parse(await readFile(file, 'utf8'));
    assert.is(s.stateVersion, 3);
    s.rollout.counters.agreed += 1;
    await writeFile(file, JSON.stringify(s));
    const read = await readStateFull(nameDir);
    assert.equal([read.source, read.damaged], ['backup', ['state.json']]);
    assert.is(read.state.rollout!.counters.agreed, s.rollout.counters.agreed - 1);
  });
  await withStore(async (nameDir) => {
    (await open(nameDir, FAST)).dispose();
    const s = JSON.parse(await readFile(path.join(nameDir, 'state.json'), 'utf8'));
    assert.equal(Object.keys(s), ['stateVersion', 'active', 'previous', 'decisions', 'seq', 'updatedAt', 'sha256'], 'the previous format, readable by the previous edgefn');
    assert.is(s.stateVersion, 2);
  });
});

test('CLI: models rollout shows the recorded figures (read-only); promote and abort decide, NO_CANDIDATE without a candidate', async () => {
  await withCandidate(async (nameDir) => {
    const before = await readFile(path.join(nameDir, 'state.json'), 'utf8');
    const human = await edgefnSrc('models', 'rollout', nameDir);
    assert.is(human.code, 0, human.stderr);
    assert.match(human.stdout, /1\.1\.0 is the candidate \(shadow, sample 100\.0%\) against 1\.0\.0/);
    assert.match(human.stdout, /calls 50, compared \d+, top-1 agreement 100\.0%/);
    const json = JSON.parse((await edgefnSrc('models', 'rollout', nameDir, '--json')).stdout);
    assert.equal([json.active, json.rollout.version, json.rollout.figures.calls], ['1.0.0', '1.1.0', 50]);
    assert.is(await readFile(path.join(nameDir, 'state.json'), 'utf8'), before, 'rollout writes nothing');

    const app = await open(nameDir, { ...FAST, rollout: QUIET });
    assert.is(app.rollout()?.version, '1.1.0');
    const promoted = nextEvent(app, 'promoted');
    const r = await edgefnSrc('models', 'promote', nameDir);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, /1\.1\.0 promoted/);
    const st = (await readStateFull(nameDir)).state;
    assert.equal([st.active, st.previous, st.rollout], ['1.1.0', '1.0.0', null]);
    await app.scan(); // the app follows what the CLI decided
    assert.is((await promoted).by, 'another process');
    assert.equal([app.version, app.rollout()], ['1.1.0', null]);
    assert.is((await app(path.join(nameDir, '1.0.0/golden', JSON.parse(await readFile(path.join(nameDir, '1.0.0/golden/index.json'), 'utf8')).items[0].file))).model.version, '1.1.0');
    await app.dispose();

    const none = await edgefnSrc('models', 'abort', nameDir);
    assert.is(none.code, 1);
    assert.match(none.stderr, /EDGEFN_NO_CANDIDATE/);
    const show = await edgefnSrc('models', 'rollout', nameDir);
    assert.match(show.stdout, /no candidate is being rolled out \(1\.1\.0 active\)/);
  });
});

test('CLI abort: the candidate is rejected (held back), and a running app follows with a rejected event', async () => {
  await withCandidate(async (nameDir) => {
    const app = await open(nameDir, { ...FAST, rollout: QUIET });
    const rejected = nextEvent(app, 'rejected');
    const r = await edgefnSrc('models', 'abort', nameDir, '--json');
    assert.is(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout), { version: '1.1.0', action: 'abort' });
    await app.scan();
    const e = await rejected;
    assert.equal([e.version, e.code, e.rollout?.rule], ['1.1.0', 'EDGEFN_ROLLOUT_REJECTED', 'aborted']);
    assert.equal([app.version, app.rollout()], ['1.0.0', null]);
    await app.scan();
    assert.is(app.rollout(), null, 'not retried');
    await app.dispose();
  });
});

test.run();
