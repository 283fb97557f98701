/**
 * Which version a store serves when it opens. Nothing on disk is taken on trust:
 * - the recorded active version (then the previous one) is checked again at every boot: settled,
 *   signed by a trusted key (when keys are given), every file's sha256, the model loads;
 * - a version held back (a stored rejection or a rollback away from it, its files unchanged) is
 *   never booted, whatever state.json says;
 * - no version below `minVersion` is booted;
 * - other versions (state lost, or both recorded ones fail) pass the whole gate first.
 * A state file that is damaged is read from its backup copy (state.ts); with neither, stored
 * rejections in the reports still hold. A version still being copied makes boot wait for it to
 * settle rather than fail.
 */
import path from 'node:path';
import lt from 'semver/functions/lt.js';
import { EdgefnError, ErrorCode, messageOf } from '../errors.js';
import { listVersionDirs } from '../model/folder.js';
import type { AnyModel } from '../model/load.js';
import { debug, warn } from '../util/debug.js';
import { cleanLeftovers } from '../util/durable.js';
import { heldBack, withDecision, writeReport } from './decisions.js';
import { runGate, type GateInput, type GateReport } from './gate.js';
import { withLock } from './lock.js';
import type { ResolvedStoreOptions } from './options.js';
import { readStateFull, recordState, type StoreState } from './state.js';

const log = debug('store');
/** How many times boot waits `settleMs` for versions still being copied before giving up. */
const SETTLE_TRIES = 5;

export interface StoreContext {
  readonly nameDir: string;
  readonly opts: ResolvedStoreOptions;
}

export function gateInput(ctx: StoreContext, baseline: AnyModel | null, skipValidation = false): GateInput {
  return { policy: ctx.opts.policy, loadOptions: ctx.opts.load, baseline, sharedGoldenFrom: ctx.nameDir, skipValidation };
}

export type Checked = { model: AnyModel; report: GateReport } | { model: null; code: string; reason: string };

const belowMin = (ctx: StoreContext, v: string) => ctx.opts.minVersion !== null && lt(v, ctx.opts.minVersion);

/** The checks a version validated before passes to serve again: floor, stored decisions, then the gate without validation. */
export async function checkRecorded(ctx: StoreContext, state: StoreState, version: string): Promise<Checked> {
  if (belowMin(ctx, version)) return { model: null, code: ErrorCode.DOWNGRADE_REFUSED, reason: `${version} is below minVersion ${ctx.opts.minVersion}` };
  const held = await heldBack(ctx.nameDir, state, version);
  if (held) return { model: null, code: held.code ?? ErrorCode.VALIDATION_FAILED, reason: `held back (${held.verdict === 'rolledBack' ? 'rolled back' : 'rejected'}: ${held.reason})` };
  const { report, model } = await runGate(path.join(ctx.nameDir, version), gateInput(ctx, null, true));
  return model ? { model, report } : { model: null, code: report.code!, reason: report.reason! };
}

/** A version never active here: floor, stored decisions, then the whole gate (its report kept). */
async function checkNew(ctx: StoreContext, state: StoreState, version: string): Promise<Checked> {
  if (belowMin(ctx, version)) return { model: null, code: ErrorCode.DOWNGRADE_REFUSED, reason: `${version} is below minVersion ${ctx.opts.minVersion}` };
  const held = await heldBack(ctx.nameDir, state, version);
  if (held) return { model: null, code: held.code ?? ErrorCode.VALIDATION_FAILED, reason: `held back (${held.verdict === 'rolledBack' ? 'rolled back' : 'rejected'}: ${held.reason})` };
  const { report, model } = await runGate(path.join(ctx.nameDir, version), gateInput(ctx, null));
  if (report.code !== ErrorCode.VERSION_INCOMPLETE) {
    await writeReport(ctx.nameDir, report).catch((err: unknown) => warn(ErrorCode.STORE_WRITE_FAILED, messageOf(err)));
  }
  return model ? { model, report } : { model: null, code: report.code!, reason: report.reason! };
}

interface Picked { model: AnyModel | null; reasons: string[]; codes: string[] }

async function pick(ctx: StoreContext, state: StoreState): Promise<Picked> {
  const versions = await listVersionDirs(ctx.nameDir);
  const recorded = [state.active, state.previous].filter((v): v is string => v !== null);
  // A rollout's candidate is never served by falling through to it: only a promotion makes it active.
  const order = [...new Set([...recorded, ...versions])].filter((v) => recorded.includes(v) || v !== state.rollout?.version);
  const reasons: string[] = [];
  const codes: string[] = [];
  for (const v of order) {
    let r: Checked;
    try {
      if (!versions.includes(v)) r = { model: null, code: ErrorCode.VERSION_NOT_FOUND, reason: `no version folder ${path.join(ctx.nameDir, v)}` };
      else r = recorded.includes(v) ? await checkRecorded(ctx, state, v) : await checkNew(ctx, state, v);
    } catch (err) {
      r = { model: null, code: err instanceof EdgefnError ? err.code : ErrorCode.INTERNAL, reason: messageOf(err) };
    }
    if (r.model) return { model: r.model, reasons, codes };
    reasons.push(`${v}: ${r.reason}`);
    codes.push(r.code);
  }
  return { model: null, reasons, codes };
}

export interface Booted {
  model: AnyModel;
  previous: string | null;
  /** The recorded active version, when another one is served instead. */
  replaced: { from: string; reason: string } | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Picks, checks and loads the version to serve; records it when it differs from the state (under the lock). */
export async function bootStore(ctx: StoreContext): Promise<Booted> {
  const { nameDir, opts } = ctx;
  // What killed writers left (temporary files, half-deleted folders); skipped while another process writes.
  await withLock(nameDir, 0, () => cleanLeftovers(nameDir)).then((gone) => gone.length && log('%s: removed leftovers %s', nameDir, gone.join(', ')), () => {});
  for (let attempt = 0; ; attempt++) {
    const read = await readStateFull(nameDir);
    const { state } = read;
    const picked = await pick(ctx, state);
    if (!picked.model) {
      if (picked.codes.includes(ErrorCode.VERSION_INCOMPLETE) && attempt < SETTLE_TRIES) {
        await sleep(opts.policy.settleMs + 50);
        continue;
      }
      const none = picked.reasons.length === 0;
      const allBelow = !none && picked.codes.every((c) => c === ErrorCode.DOWNGRADE_REFUSED);
      throw new EdgefnError(allBelow ? ErrorCode.DOWNGRADE_REFUSED : ErrorCode.NO_VALID_VERSION,
        `No valid version in ${nameDir}${none ? ' (no version folders)' : `:\n  ${picked.reasons.join('\n  ')}`}`, { input: nameDir });
    }
    const model = picked.model;
    const v = model.version;
    const from = state.active;
    // Serving the previous version because the active one failed: nothing to roll back to.
    const previous = v === from ? state.previous : from === null ? null : v === state.previous ? null : state.previous;
    if (v !== from || previous !== state.previous || read.repair) {
      const outcome = await withLock(nameDir, opts.lockTimeoutMs, async () => {
        const now = await readStateFull(nameDir);
        if (now.state.seq !== state.seq) return 'changed' as const; // another process decided meanwhile
        const present = await listVersionDirs(nameDir);
        await recordState(nameDir, state, { active: v, previous, decisions: withDecision(state, v, null, present) });
        return 'written' as const;
      }).catch((err: unknown) => {
        // A read-only store (an installed package, a mounted image) still serves.
        warn('EDGEFN_STATE_UNWRITABLE', `${nameDir}: cannot record ${v} as active: ${messageOf(err)}`);
        return 'unwritable' as const;
      });
      if (outcome === 'changed') {
        await model.dispose();
        continue;
      }
    }
    const replaced = from !== null && v !== from ? { from, reason: picked.reasons[0] ?? '' } : null;
    if (replaced) warn('EDGEFN_ACTIVE_INVALID', `${nameDir}: active version ${from} cannot be served (${replaced.reason}); serving ${v}`);
    log('%s: serving %s (previous %s)', nameDir, v, previous);
    return { model, previous, replaced };
  }
}
