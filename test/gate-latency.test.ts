/**
 * The latency rule on a busy device: an identical copy of the active model passes the gate while
 * four other processes burn the CPU, because the two are measured side by side (interleaved, in
 * the same moment), never against a score cached while the CPU was idle. A version over budget
 * is still refused, after a second measurement confirms it. Verdicts are asserted, never times.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ErrorCode, load } from '../src/index.ts';
import { runGate, type GatePolicy } from '../src/store/gate.ts';
import type { GoldenScore } from '../src/store/golden.ts';
import { installVersion, removeDir, tempDir } from './helpers/index.ts';

const BURNERS = 4;
const RUNS = 3;
const policy = (o: Partial<GatePolicy> = {}): GatePolicy => ({ trustedKeys: [], accuracyMargin: 0.02, maxLatencyRatio: 3, settleMs: 0, ...o });
// A store's default: each version's session in its own process.
const LOAD = { isolate: 'process' as const };

function burn(n: number): ChildProcess[] {
  return Array.from({ length: n }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
}

function stop(children: ChildProcess[]): Promise<unknown> {
  return Promise.all(children.map((c) => new Promise((r) => {
    if (c.exitCode !== null || c.signalCode !== null) return r(null);
    c.once('exit', r);
    c.kill('SIGKILL');
  })));
}

test(`an identical copy of the active model passes the latency rule with ${BURNERS} busy processes beside it (${RUNS} runs)`, async () => {
  const nameDir = path.join(await tempDir('edgefn-latency-'), 'fashion-mnist');
  const active = await installVersion(nameDir, '1.0.0');
  const candidate = await installVersion(nameDir, '1.1.0');
  const baseline = await load(active, LOAD);
  // What a long-running store holds: a baseline score taken while the CPU was quiet.
  const cache = new Map<string, GoldenScore>();
  const quiet = await runGate(candidate, { policy: policy(), loadOptions: LOAD, baseline, baselineScores: cache });
  await quiet.model?.dispose();
  assert.is(quiet.report.verdict, 'accepted', quiet.report.reason);
  const burners = burn(BURNERS);
  const verdicts: string[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const { report, model } = await runGate(candidate, { policy: policy(), loadOptions: LOAD, baseline, baselineScores: cache });
      await model?.dispose();
      verdicts.push(report.verdict === 'accepted' ? 'accepted' : `${report.code}: ${report.reason}`);
    }
  } finally {
    await stop(burners);
    await baseline.dispose();
    await removeDir(path.dirname(nameDir));
  }
  assert.equal(verdicts, Array(RUNS).fill('accepted'));
});

test('a version over its latency budget is still refused, once a second measurement confirms it', async () => {
  const nameDir = path.join(await tempDir('edgefn-latency-'), 'fashion-mnist');
  try {
    const dir = await installVersion(nameDir, '1.1.0');
    const { report, model } = await runGate(dir, { policy: policy({ maxLatencyMs: 0.001 }), loadOptions: { isolate: 'none' } });
    assert.is(model, null);
    assert.equal([report.step, report.code], ['validation', ErrorCode.VALIDATION_FAILED]);
    assert.match(report.reason!, /^fashion-mnist@1\.1\.0: p50 latency \d+\.\d ms is over the 0\.001 ms budget \(measured twice\)$/);
    assert.ok(report.p50Ms! > 0);
  } finally {
    await removeDir(path.dirname(nameDir));
  }
});

test.run();
