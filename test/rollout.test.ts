/**
 * Shadow and canary rollouts end to end on the bundled model: a good candidate (same weights, new
 * version) is promoted by the live policy, a worse one (labels rotated: top-1 never agrees) is
 * rejected by it, canary answers carry the candidate's version at about the step's share, shadow
 * never changes the caller's answer, and shadow work beyond the in-flight cap is dropped and counted.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { open } from '../src/index.ts';
import { readReport } from '../src/store/decisions.ts';
import { readStateFull } from '../src/store/state.ts';
import { rejectsWith } from './helpers/index.ts';
import { nextEvent, stageVersion, withStore } from './helpers/store-kit.ts';
import { INPUTS, drive, settle, stagePermuted } from './helpers/rollout-kit.ts';

const FAST = { settleMs: 0, isolate: 'none' } as const;

test('open(): a bad rollout option is refused, naming the field', async () => {
  await withStore(async (nameDir) => {
    await rejectsWith(() => open(nameDir, { ...FAST, rollout: 'slow' as any }), 'EDGEFN_INVALID_ARGUMENT', /rollout\.mode/);
    await rejectsWith(() => open(nameDir, { ...FAST, rollout: { mode: 'canary', steps: [0.5] } }), 'EDGEFN_INVALID_ARGUMENT', /rollout\.steps/);
    await rejectsWith(() => open(nameDir, { ...FAST, rollout: { mode: 'shadow', sample: 0 } }), 'EDGEFN_INVALID_ARGUMENT', /rollout\.sample/);
    await rejectsWith(() => open(nameDir, { ...FAST, rollout: 7 as any }), 'EDGEFN_INVALID_ARGUMENT', /for rollout /);
  });
});

test('shadow: a good candidate is compared off the path and promoted by the policy; callers only ever get the active answer', async () => {
  await withStore(async (nameDir) => {
    const model = await open(nameDir, { ...FAST, rollout: { mode: 'shadow', minCalls: 40 } });
    const reference = await drive(model, INPUTS.length);
    await stageVersion(nameDir, '1.1.0');
    const started = nextEvent(model, 'rollout');
    await model.scan();
    const s = await started;
    assert.is(s.phase, 'started');
    assert.is(s.status.version, '1.1.0');
    assert.is(model.version, '1.0.0', 'the candidate is not active');
    const st = await readStateFull(nameDir);
    assert.is(st.state.rollout?.version, '1.1.0');
    assert.is(st.state.stateVersion, 3);
    const promoted = nextEvent(model, 'promoted');
    let done = false;
    void promoted.then(() => { done = true; });
    const answers = await drive(model, 400, () => done);
    const e = await promoted;
    for (let i = 0; i < answers.length; i++) {
      const a = answers[i];
      if (a.model.version !== '1.0.0') continue; // answered after the promotion
      assert.is(a.label, reference[i % reference.length].label, `call ${i}: the shadow never changes the answer`);
    }
    assert.ok(answers.every((a) => a.model.version === '1.0.0' || a.model.version === '1.1.0'));
    assert.is(e.version, '1.1.0');
    assert.is(e.by, 'policy');
    assert.ok(e.status.figures.compared >= 40 && e.status.figures.agreement === 1, JSON.stringify(e.status.figures));
    assert.is(model.version, '1.1.0');
    assert.is((await model(INPUTS[0]!)).model.version, '1.1.0');
    assert.is(model.rollout(), null);
    const after = await readStateFull(nameDir);
    assert.equal([after.state.active, after.state.previous, after.state.rollout, after.state.stateVersion], ['1.1.0', '1.0.0', null, 2]);
    await model.dispose();
  });
});

test('canary: answers carry the candidate version at about the step share, then it is promoted step by step', async () => {
  await withStore(async (nameDir) => {
    const model = await open(nameDir, { ...FAST, rollout: { mode: 'canary', steps: [0.25, 1], minCalls: 2000 } });
    await stageVersion(nameDir, '1.1.0');
    await model.scan();
    const answers = await drive(model, 400);
    const byCandidate = answers.filter((a) => a.model.version === '1.1.0').length;
    // Binomial(400, 0.25): mean 100, sd 8.7; five sd either side.
    assert.ok(byCandidate >= 56 && byCandidate <= 144, `${byCandidate} of 400 answered by the candidate`);
    const r = model.rollout()!;
    assert.is(r.share, 0.25);
    assert.is(r.figures.candidateRuns, byCandidate);
    await model.dispose();
  });
  await withStore(async (nameDir) => {
    const model = await open(nameDir, { ...FAST, rollout: { mode: 'canary', steps: [0.5, 1], minCalls: 30 } });
    await stageVersion(nameDir, '1.1.0');
    await model.scan();
    const advanced = nextEvent(model, 'rollout');
    const promoted = nextEvent(model, 'promoted');
    let done = false;
    void promoted.then(() => { done = true; });
    const answers = await drive(model, 2000, () => done);
    assert.is((await advanced).phase, 'advanced');
    const e = await promoted;
    assert.is(e.status.step, 1);
    assert.is(model.version, '1.1.0');
    assert.ok(answers.some((a) => a.model.version === '1.0.0') && answers.some((a) => a.model.version === '1.1.0'));
    await model.dispose();
  });
});

for (const mode of ['shadow', 'canary'] as const) {
  test(`${mode}: a worse candidate passes the gate but is rejected by the live policy (agreement), held back until its files change`, async () => {
    await withStore(async (nameDir) => {
      const model = await open(nameDir, { ...FAST, accuracyMargin: 1, rollout: { mode, steps: [0.5, 1], minCalls: 200 } });
      await stagePermuted(nameDir, '1.1.0');
      await model.scan();
      assert.is(model.rollout()?.version, '1.1.0', 'the gate let it through to the live stage');
      const rejected = nextEvent(model, 'rejected');
      let done = false;
      void rejected.then(() => { done = true; });
      await drive(model, 2000, () => done);
      const e = await rejected;
      assert.is(e.code, 'EDGEFN_ROLLOUT_REJECTED');
      assert.is(e.rollout.rule, 'agreement');
      assert.match(e.reason, /^rollout: top-1 agreement 0\.0% \(0 of \d+ calls, 99% upper bound/);
      assert.ok(e.rollout.status.figures.compared >= 30 && e.rollout.status.figures.compared < 200, 'rejected early, as clearly broken');
      assert.is(model.version, '1.0.0');
      assert.is(model.rollout(), null);
      const st = (await readStateFull(nameDir)).state;
      assert.is(st.decisions['1.1.0']?.code, 'EDGEFN_ROLLOUT_REJECTED');
      assert.is(st.rollout, null);
      assert.is((await readReport(nameDir, '1.1.0'))?.rollout?.rule, 'agreement');
      await model.scan();
      assert.is(model.rollout(), null, 'not retried while its files are unchanged');
      await model.dispose();
      const again = await open(nameDir, { ...FAST, accuracyMargin: 1, rollout: mode });
      await again.scan();
      assert.equal([again.version, again.rollout()], ['1.0.0', null], 'a restart does not retry it either');
      await again.dispose();
    });
  });
}

test('shadow under a burst: background runs are capped, the rest dropped and counted, never queued', async () => {
  await withStore(async (nameDir) => {
    const model = await open(nameDir, { ...FAST, rollout: { mode: 'shadow', minCalls: 100_000 } });
    await stageVersion(nameDir, '1.1.0');
    await model.scan();
    const answers = await Promise.all(INPUTS.slice(0, 60).map((f) => model(f)));
    assert.ok(answers.every((a) => a.model.version === '1.0.0'));
    for (let i = 0; i < 100 && model.rollout()!.figures.compared + model.rollout()!.figures.dropped < 60; i++) await settle();
    const f = model.rollout()!.figures;
    assert.ok(f.dropped > 0, `dropped ${f.dropped}`);
    assert.is(f.compared + f.dropped, 60, 'every sampled call is compared or dropped');
    assert.is(f.calls, 60);
    await model.dispose();
  });
});

test('shadow at sample 0.1 compares about a tenth of the calls', async () => {
  await withStore(async (nameDir) => {
    const model = await open(nameDir, { ...FAST, rollout: { mode: 'shadow', sample: 0.1, minCalls: 100_000 } });
    await stageVersion(nameDir, '1.1.0');
    await model.scan();
    await drive(model, 500);
    await settle(50);
    const f = model.rollout()!.figures;
    // Binomial(500, 0.1): mean 50, sd 6.7.
    assert.ok(f.compared + f.dropped >= 17 && f.compared + f.dropped <= 84, JSON.stringify(f));
    await model.dispose();
  });
});

test('a version manifest\'s rollout applies when open() has no rollout option; immediate stays the default', async () => {
  await withStore(async (nameDir) => {
    const model = await open(nameDir, FAST);
    await stageVersion(nameDir, '1.1.0');
    await model.scan();
    assert.equal([model.version, model.rollout()], ['1.1.0', null], 'immediate by default');
    await stageVersion(nameDir, '1.2.0', undefined, (m) => { m.rollout = { mode: 'shadow', minCalls: 500 }; });
    await model.scan();
    assert.is(model.version, '1.1.0');
    assert.is(model.rollout()?.spec.minCalls, 500);
    await model.dispose();
  });
});

test('promote() and abort(): decide now; NO_CANDIDATE without a candidate', async () => {
  await withStore(async (nameDir) => {
    const model = await open(nameDir, { ...FAST, rollout: 'shadow' });
    await rejectsWith(() => model.promote(), 'EDGEFN_NO_CANDIDATE', /no candidate is being rolled out/);
    await rejectsWith(() => model.abort(), 'EDGEFN_NO_CANDIDATE');
    await stageVersion(nameDir, '1.1.0');
    await model.scan();
    const rejected = nextEvent(model, 'rejected');
    assert.is(await model.abort(), '1.1.0');
    assert.is((await rejected).rollout.rule, 'aborted');
    assert.is((await readStateFull(nameDir)).state.decisions['1.1.0']?.code, 'EDGEFN_ROLLOUT_REJECTED');
    await stageVersion(nameDir, '1.2.0');
    await model.scan();
    assert.is(model.rollout()?.version, '1.2.0');
    await drive(model, 5);
    const promoted = nextEvent(model, 'promoted');
    assert.is(await model.promote(), '1.2.0');
    assert.is((await promoted).by, 'promote()');
    assert.is(model.version, '1.2.0');
    assert.is((await readStateFull(nameDir)).state.previous, '1.0.0');
    await model.dispose();
  });
});

test.run();
