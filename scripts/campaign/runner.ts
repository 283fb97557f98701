/**
 * Runs cases in child processes, a batch per child. A child that crashes, hangs, harms its model
 * or cannot exit does not stop the campaign: every case of its batch is re-run alone, each in a
 * child of its own, so the culprit is named and the others keep their true outcome.
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunRequest } from './child.ts';
import { short } from './outcome.ts';
import type { Case, ChildMessage, Result } from './types.ts';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'child.ts');

export interface RunnerOptions {
  batchSize: number;
  /** Per case, measured in the child; the runner kills a child silent for this plus a margin. */
  timeoutMs: number;
  cache: string;
  /** Children at a time. */
  jobs: number;
  onResult?(r: Result): void;
}

export interface Incident {
  /** The batch's cases, first and last. */
  batch: string;
  what: string;
}

export interface Campaign {
  results: Result[];
  /** Highest VmHWM of any child (kB). */
  peakKb: number;
  children: number;
  /** Batches that ended abnormally, and what their re-runs found. */
  incidents: Incident[];
}

interface ChildRun {
  results: Map<string, Result>;
  /** Why the child's run was not clean; null when it was. */
  abnormal: string | null;
  fatal: { id: string | null; detail: string } | null;
  inProgress: string | null;
  peakKb: number;
}

function vmHwm(pid: number | undefined): number {
  try {
    const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

const NOT_STARTED = 'hang: the child did not start';

function runChild(cases: Case[], alone: boolean, opts: RunnerOptions): Promise<ChildRun> {
  const child = fork(CHILD, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  const run: ChildRun = { results: new Map(), abnormal: null, fatal: null, inProgress: null, peakKb: 0 };
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
  let watchdog: NodeJS.Timeout | undefined;
  const arm = (ms: number, why: string): void => {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => { run.abnormal ??= why; child.kill('SIGKILL'); }, ms);
  };
  const sampler = setInterval(() => { run.peakKb = Math.max(run.peakKb, vmHwm(child.pid)); }, 100);
  arm(60_000, `${NOT_STARTED} within 60 s`);
  child.on('message', (m: ChildMessage) => {
    if (m.type === 'start') {
      run.inProgress = m.id;
      // The child times its own cases; this margin covers its harm check, and an event loop so
      // blocked that its own timer cannot fire.
      arm(opts.timeoutMs + 15_000, `hang: no word from the child for ${opts.timeoutMs + 15_000} ms (event loop blocked), killed`);
    } else if (m.type === 'result') {
      run.results.set(m.result.id, m.result);
      run.inProgress = null;
      run.peakKb = Math.max(run.peakKb, m.result.hwmKb);
      if (m.result.outcome === 'hang' || m.result.outcome === 'model-harmed') run.abnormal ??= m.result.outcome;
      clearTimeout(watchdog);
    } else if (m.type === 'fatal') {
      run.fatal = m;
      run.abnormal ??= `crash: ${m.detail}`;
    } else if (m.type === 'done') {
      arm(10_000, 'hang: the process could not exit within 10 s after its last case');
    }
  });
  child.send({ cases, timeoutMs: opts.timeoutMs, cache: opts.cache, alone } satisfies RunRequest);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      clearTimeout(watchdog);
      clearInterval(sampler);
      if (signal && !run.abnormal) run.abnormal = `crash: killed by ${signal}; ${lastLine(stderr)}`;
      else if (code !== 0 && !run.abnormal) run.abnormal = `crash: exit code ${code}; ${lastLine(stderr)}`;
      if (!run.abnormal && run.results.size !== cases.length) run.abnormal = 'crash: the child ended before its last case';
      resolve(run);
    });
  });
}

function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('at ') && !l.startsWith('(Use `node'));
  return short(lines.slice(-2).join(' | ') || 'no output on stderr');
}

/** A case's result from a child that ran it alone, whatever became of that child. */
function aloneResult(c: Case, run: ChildRun): Result {
  const got = run.results.get(c.id);
  const base = { id: c.id, category: c.category, ms: got?.ms ?? 0, hwmKb: Math.max(got?.hwmKb ?? 0, run.peakKb), hwmDeltaKb: got?.hwmDeltaKb ?? 0, alone: true };
  if (got && !run.abnormal) return got;
  if (got && (got.outcome === 'hang' || got.outcome === 'model-harmed') && !run.fatal) return got;
  if (!run.abnormal) return { ...base, outcome: 'crash', detail: 'no result' };
  if (run.abnormal.startsWith('hang')) return { ...base, outcome: 'hang', detail: got ? `${run.abnormal} (it gave ${got.outcome} ${got.detail})` : run.abnormal };
  return { ...base, outcome: 'crash', detail: run.fatal?.detail ?? run.abnormal.replace(/^crash: /, '') };
}

export async function runCases(cases: readonly Case[], opts: RunnerOptions): Promise<Campaign> {
  const campaign: Campaign = { results: [], peakKb: 0, children: 0, incidents: [] };
  const batches: Case[][] = [];
  for (let i = 0; i < cases.length; i += opts.batchSize) batches.push(cases.slice(i, i + opts.batchSize));
  const record = (r: Result): void => { campaign.results.push(r); opts.onResult?.(r); };

  async function runBatch(batch: Case[]): Promise<void> {
    const run = await runChild(batch, false, opts);
    campaign.children++;
    campaign.peakKb = Math.max(campaign.peakKb, run.peakKb);
    if (!run.abnormal) {
      for (const c of batch) record(run.results.get(c.id)!);
      return;
    }
    const label = `${batch[0]!.id} .. ${batch.at(-1)!.id}`;
    let culprits = 0;
    for (const c of batch) {
      let alone = await runChild([c], true, opts);
      // A child that never got to its case (a loaded machine) says nothing of the case: once more.
      if (alone.abnormal?.startsWith(NOT_STARTED)) alone = await runChild([c], true, opts);
      campaign.children++;
      campaign.peakKb = Math.max(campaign.peakKb, alone.peakKb);
      const r = aloneResult(c, alone);
      if (r.outcome === 'crash' || r.outcome === 'hang' || r.outcome === 'model-harmed') culprits++;
      record(r);
    }
    const at = run.fatal?.id ?? run.inProgress;
    campaign.incidents.push({ batch: label, what: `${run.abnormal}${at ? ` (during ${at})` : ''}; alone, ${culprits} case(s) failed the same way` });
    if (culprits === 0) {
      // Only together did the cases fail: the batch itself is the finding.
      const kind = run.abnormal.startsWith('hang') ? 'hang' : run.abnormal.startsWith('model-harmed') ? 'model-harmed' : 'crash';
      record({ id: `batch:${label}`, category: 'batch', outcome: kind, detail: `${run.abnormal}${at ? ` during ${at}` : ''}`, ms: 0, hwmKb: run.peakKb, hwmDeltaKb: 0, alone: false });
    }
  }

  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < batches.length) await runBatch(batches[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.jobs) }, worker));
  return campaign;
}
