/**
 * A canary candidate that fails: its session host (isolate 'process') is SIGKILLed every time it
 * starts, until it is no longer restarted. Every caller still gets an answer (the active
 * version's), the failures count against the candidate by code, and the policy rejects it on
 * its error rate. Subscribes to a diagnostics channel: its own file.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { open } from '../src/index.ts';
import { readStateFull } from '../src/store/state.ts';
import { nextEvent, stageVersion, withStore } from './helpers/store-kit.ts';
import { drive } from './helpers/rollout-kit.ts';

test('canary: a candidate whose session keeps dying falls back to the active answer and is rejected on its error rate', async () => {
  await withStore(async (nameDir) => {
    const model = await open(nameDir, { settleMs: 0, isolate: 'process', rollout: { mode: 'canary', steps: [0.5, 1], minCalls: 1000, maxErrorRate: 0.05 } });
    const hosts = new Map<string, number>();
    let killing = false;
    const onHost = (m: any) => {
      if (m.event !== 'start' || !String(m.model).endsWith('/1.1.0/model.onnx')) return;
      hosts.set('candidate', m.pid);
      if (killing) process.kill(m.pid, 'SIGKILL');
    };
    subscribe('edgefn:session-host', onHost);
    try {
      await stageVersion(nameDir, '1.1.0');
      await model.scan();
      assert.is(model.rollout()?.version, '1.1.0');
      assert.ok(hosts.has('candidate'), 'the candidate runs in its own session host');
      killing = true;
      process.kill(hosts.get('candidate')!, 'SIGKILL');
      const rejected = nextEvent(model, 'rejected');
      let done = false;
      void rejected.then(() => { done = true; });
      const answers = await drive(model, 3000, () => done);
      const e = await rejected;
      assert.is(e.code, 'EDGEFN_ROLLOUT_REJECTED');
      assert.is(e.rollout.rule, 'errors');
      assert.ok((e.rollout.status.figures.errors.EDGEFN_SESSION_DIED ?? 0) >= 1, JSON.stringify(e.rollout.status.figures));
      assert.match(e.reason, /^rollout: error rate \d+\.\d% \(\d+ of \d+ runs, 99% lower bound \d+\.\d%\) is above maxErrorRate 5\.0%/);
      assert.ok(answers.every((a) => typeof a.label === 'string'), 'every caller got an answer');
      assert.ok(answers.filter((a) => a.model.version === '1.0.0').length >= e.rollout.status.figures.errors.EDGEFN_SESSION_DIED, 'failed canary calls were answered by the active version');
      assert.is((await readStateFull(nameDir)).state.decisions['1.1.0']?.code, 'EDGEFN_ROLLOUT_REJECTED');
      assert.is(model.version, '1.0.0');
      await model.dispose();
    } finally {
      unsubscribe('edgefn:session-host', onHost);
    }
  });
});

test.run();
