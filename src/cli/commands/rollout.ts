/**
 * `edgefn models rollout|promote|abort <dir>`: a store's live rollout, read and decided from the
 * command line. `rollout` only reads (the state as recorded: the counters as last flushed by the
 * app). `promote` and `abort` write one decision under the store's lock; a running app follows
 * it at its next scan or counter flush.
 */
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { EdgefnError, ErrorCode } from '../../errors.js';
import { checkRecorded } from '../../store/boot.js';
import { currentPrint } from '../../store/decisions.js';
import { withLock } from '../../store/lock.js';
import { resolveStoreOptions } from '../../store/options.js';
import { recordedRollout, recordPromotion, recordRejection } from '../../store/rollout/decide.js';
import { statusOf, type RolloutStatus } from '../../store/rollout/live.js';
import { readState, readStateFull } from '../../store/state.js';
import type { Command } from '../args.js';
import { percent } from '../format.js';
import { EXIT, type CliIO, type ExitCode } from '../io.js';

export type RolloutArgs = Extract<Command, { kind: 'models' }> & { action: { name: 'rollout' | 'promote' | 'abort'; dir: string } };

const ms = (x: number | null) => (x === null ? '-' : `${x.toFixed(2)} ms`);
const pc = (x: number | null) => (x === null ? '-' : percent(x));

function statusLines(dir: string, s: RolloutStatus): string {
  const f = s.figures;
  const where = s.mode === 'canary' ? `canary step ${s.step + 1} of ${s.spec.steps.length}, ${percent(s.share)} of calls` : `shadow, sample ${percent(s.spec.sample)}`;
  return [
    `${dir}: ${s.version} is the candidate (${where}) against ${s.from}, since ${s.startedAt}; figures as last flushed`,
    `  calls ${f.calls}, compared ${f.compared}, top-1 agreement ${pc(f.agreement)} (this step: ${f.step.agreed} of ${f.step.compared}, 99% bounds ${percent(f.agreementBounds.low)}-${percent(f.agreementBounds.high)})`,
    `  mean confidence: active ${pc(f.meanScore.active)}, candidate ${pc(f.meanScore.candidate)}`,
    `  latency p50: active ${ms(f.p50Ms.active)}, candidate ${ms(f.p50Ms.candidate)}${f.latencyRatio === null ? '' : ` (x${f.latencyRatio.toFixed(2)})`}; p95: active ${ms(f.p95Ms.active)}, candidate ${ms(f.p95Ms.candidate)}`,
    `  candidate runs ${f.candidateRuns}, errors ${pc(f.errorRate)}${Object.keys(f.errors).length ? ` ${JSON.stringify(f.errors)}` : ''}, dropped ${f.dropped}`,
    `  policy: minCalls ${s.spec.minCalls}, minAgreement ${percent(s.spec.minAgreement)}, maxLatencyRatio ${s.spec.maxLatencyRatio}, maxErrorRate ${percent(s.spec.maxErrorRate)}`,
  ].join('\n');
}

async function readKeys(files: string[]): Promise<string[]> {
  return Promise.all(files.map((f) => readFile(f, 'utf8').catch((err: unknown) => {
    throw new EdgefnError(ErrorCode.INVALID_ARGUMENT, `Cannot read key file ${f}: ${(err as Error).message}`, { cause: err, field: '--trusted-key' });
  })));
}

export async function rolloutCommand(args: RolloutArgs, io: CliIO): Promise<ExitCode> {
  const dir = args.action.dir;
  const nameDir = path.resolve(dir);
  const out = (human: string, json: unknown) => io.out(args.json ? JSON.stringify(json, null, 2) : human);
  if (args.action.name === 'rollout') {
    const { state } = await readStateFull(nameDir);
    const status = state.rollout ? statusOf(state.rollout) : null;
    out(status ? statusLines(dir, status) : `${dir}: no candidate is being rolled out${state.active ? ` (${state.active} active)` : ''}`, { active: state.active, rollout: status });
    return EXIT.ok;
  }
  const opts = resolveStoreOptions({ trustedKeys: await readKeys(args.trustedKeys), settleMs: 0, isolate: 'none' });
  const action = args.action.name;
  const version = await withLock(nameDir, opts.lockTimeoutMs, async () => {
    const state = await readState(nameDir);
    const record = recordedRollout(nameDir, state);
    if (action === 'abort') {
      await recordRejection(nameDir, state, record, 'aborted', 'aborted by edgefn models abort');
      return record.version;
    }
    // The same checks a boot makes before serving it: files unchanged since the gate, signature, hashes, it loads.
    const print = await currentPrint(path.join(nameDir, record.version));
    if (print !== record.fingerprint) throw new EdgefnError(ErrorCode.VALIDATION_FAILED, `${nameDir}: the files of candidate ${record.version} changed since it passed the gate; not promoted`, { input: path.join(nameDir, record.version) });
    const checked = await checkRecorded({ nameDir, opts }, state, record.version);
    if (!checked.model) throw new EdgefnError(checked.code as ErrorCode, `${nameDir}: candidate ${record.version} cannot be served (${checked.reason}); not promoted`, { input: path.join(nameDir, record.version) });
    await checked.model.dispose();
    await recordPromotion(nameDir, state, record);
    return record.version;
  });
  out(action === 'promote' ? `${dir}: ${version} promoted (active)` : `${dir}: ${version} rejected (aborted); it stays out until its files change`, { version, action });
  return EXIT.ok;
}
