/**
 * Runs one risky call on a model folder in its own process, for tests that must survive a hang
 * or a runaway read: the parent gives it a deadline and reads one JSON line back.
 *
 *   node --import tsx test/helpers/gate-child.ts '{"action":"gate","dir":"..."}'
 *
 * It never calls process.exit: it must end by itself, so a FIFO still holding one of libuv's
 * threads (or a session host left running) shows as a timeout in the parent.
 */
import path from 'node:path';
import { load, open } from '../../src/index.ts';
import { runGate, type GatePolicy } from '../../src/store/gate.ts';

interface Job {
  action: 'load' | 'gate' | 'store';
  dir: string;
  /** For 'store': the version to activate after opening (it must be refused). */
  version?: string;
  isolate?: 'none' | 'thread' | 'process';
}

const job = JSON.parse(process.argv[2]!) as Job;
const policy: GatePolicy = { trustedKeys: [], accuracyMargin: 0.02, maxLatencyRatio: 3, settleMs: 0 };
let peak = 0;
const sample = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);

async function run(): Promise<Record<string, unknown>> {
  if (job.action === 'load') {
    const model = await load(job.dir, { isolate: job.isolate ?? 'none' });
    await model.dispose();
    return { ok: true };
  }
  if (job.action === 'gate') {
    const { report, model } = await runGate(job.dir, { policy, loadOptions: { isolate: job.isolate ?? 'none' }, sharedGoldenFrom: path.dirname(job.dir) });
    await model?.dispose();
    return { report };
  }
  // A store: the refused version goes through the update queue, then dispose() must return.
  const store = await open(job.dir, { settleMs: 0 });
  let refused: unknown = null;
  try {
    await store.activate(job.version!);
  } catch (err) {
    refused = err;
  }
  await store.scan();
  const version = store.version;
  await store.dispose();
  return { version, code: (refused as { code?: string } | null)?.code ?? null, message: (refused as Error | null)?.message ?? null };
}

run().then(
  (r) => ({ ...r }),
  (err: { code?: string; message?: string }) => ({ error: { code: err.code ?? null, message: err.message ?? String(err) } }),
).then((r) => {
  clearInterval(sample);
  peak = Math.max(peak, process.memoryUsage().rss);
  process.stdout.write(`${JSON.stringify({ ...r, peakRss: peak })}\n`);
});
