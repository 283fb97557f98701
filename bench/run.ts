/**
 * edgefn's benchmark: `npm run bench` (a script, never a unit test). Prints a table and writes
 * bench/results/latest.json. Every contender runs in its own process; requests alternate between
 * contenders (A B A B ...) after a warm-up, so drift on a shared machine hits all of them alike.
 *
 *   npm run bench -- [--rounds 30] [--quick] [--only latency,p3,p4,p5,p6]
 *
 * Figures: P0 floor (sharp alone + session.run alone), P1 edgefn ÷ hand-written, P2 transformers.js
 * ÷ edgefn, P3 batch ÷ sequential throughput, P4 cold start ratio, P5 RSS growth over 10,000 calls
 * in three node configurations, P6 CPU per inference at one call per second, spinning on and off, in
 * plain node (bench/paced-child.mjs).
 */
import { execFile, fork, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { percentile } from '../src/util/stats.ts';
import { folder200, inputs, ROOT, SIZES, type Size } from './lib/inputs.ts';
import { FASHION, imagenet, imagenetOnnx, type BenchModel } from './lib/models.ts';
import type { Request } from './worker.ts';

const execFileAsync = promisify(execFile);

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '20' }, quick: { type: 'boolean', default: false }, only: { type: 'string' } } });
/** `--only latency,p3,p4,p5,p6` runs just those parts. */
const only = values.only ? new Set(values.only.split(',')) : null;
const part = (name: string) => only === null || only.has(name);
const ROUNDS = values.quick ? 5 : Number(values.rounds);
const WARMUP = 5;
/**
 * Idle time after each request before the next contender's. onnxruntime's default thread pool
 * spin-waits after a run (tens of ms here); without a pause, one contender's spinning threads
 * would take the cores from the next one's and the comparison would measure that instead.
 */
const SETTLE_MS = 50;
const settle = () => new Promise((r) => setTimeout(r, SETTLE_MS));

class Worker {
  private constructor(private readonly child: ChildProcess, readonly readyMs: number) {}

  static async start(contender: string, model: BenchModel, spinning?: 'on' | 'off', nodeFlags: string[] = []): Promise<Worker> {
    const child = fork(path.join(ROOT, 'bench/worker.ts'), [contender, JSON.stringify(model), ...(spinning ? [spinning] : [])], {
      execArgv: ['--import', 'tsx', '--expose-gc', ...nodeFlags], stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const ready = await new Promise<{ ms: number }>((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) => reject(new Error(`${contender} worker exited (${code})`)));
    });
    return new Worker(child, ready.ms);
  }

  ask<T = Record<string, number>>(req: Request): Promise<T> {
    return new Promise((resolve, reject) => {
      this.child.once('message', (m: { t: string; message?: string }) => (m.t === 'error' ? reject(new Error(m.message)) : resolve(m as T)));
      this.child.send(req);
    });
  }

  stop(): void {
    this.child.disconnect();
  }
}

const p = (xs: number[], q: number) => percentile(xs, q);
const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);
const results: Record<string, unknown> = {
  machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, platform: `${process.platform}-${process.arch}` },
  date: new Date().toISOString(),
  rounds: ROUNDS,
};
const lines: string[] = [];
const say = (s: string) => {
  lines.push(s);
  console.log(s);
};

/** P0, P1, P2 for one model at one input size: contenders interleaved image by image. */
async function latency(model: BenchModel, size: Size, contenders: string[]) {
  const files = await inputs(size);
  const workers = Object.fromEntries(await Promise.all(contenders.map(async (c) => [c, await Worker.start(c, model)] as const)));
  const t: Record<string, number[]> = Object.fromEntries(contenders.map((c) => [c, []]));
  const decode: number[] = [];
  const infer: number[] = [];
  for (let r = 0; r < WARMUP + ROUNDS; r++) {
    for (const file of files) {
      for (const c of contenders) {
        if (c === 'floor') {
          const x = await workers[c]!.ask({ t: 'floor', file });
          if (r >= WARMUP) { decode.push(x.decodeMs!); infer.push(x.inferMs!); }
        } else {
          const x = await workers[c]!.ask({ t: 'run', file });
          if (r >= WARMUP) t[c]!.push(x.ms!);
        }
        await settle();
      }
    }
  }
  for (const w of Object.values(workers)) w.stop();
  const row: Record<string, number> = {};
  for (const c of contenders) if (c !== 'floor') { row[`${c}P50`] = p(t[c]!, 50); row[`${c}P95`] = p(t[c]!, 95); }
  if (contenders.includes('floor')) { row.floorDecodeP50 = p(decode, 50); row.floorInferP50 = p(infer, 50); row.P0 = row.floorDecodeP50 + row.floorInferP50; }
  if (row.handwrittenP50) row.P1 = row.edgefnP50! / row.handwrittenP50;
  if (row.transformersP50) row.P2 = row.transformersP50 / row.edgefnP50!;
  return row;
}

async function throughput(model: BenchModel) {
  const files = await folder200();
  const w = await Worker.start('edgefn', model);
  await w.ask({ t: 'sequential', files: files.slice(0, 20) });
  const runs: Record<'batch' | 'sequential', { perS: number[]; cores: number[]; cpuMs: number[] }> = {
    batch: { perS: [], cores: [], cpuMs: [] }, sequential: { perS: [], cores: [], cpuMs: [] },
  };
  for (let r = 0; r < (values.quick ? 1 : 3); r++) {
    for (const t of ['batch', 'sequential'] as const) {
      const x = await w.ask({ t, files });
      runs[t].perS.push(200 / (x.ms! / 1000));
      runs[t].cores.push(x.cpuMs! / x.ms!);
      runs[t].cpuMs.push(x.cpuMs! / 200);
    }
  }
  w.stop();
  const b = p(runs.batch.perS, 50);
  const s = p(runs.sequential.perS, 50);
  // With every core busy, images/s cannot pass cores ÷ CPU per image: the ceiling any overlap can reach.
  const cpuPerImageMs = p(runs.sequential.cpuMs, 50);
  const ceiling = cpus().length / (cpuPerImageMs / 1000);
  return {
    batchImagesPerS: b, sequentialImagesPerS: s, P3: b / s,
    batchCoresBusy: p(runs.batch.cores, 50), sequentialCoresBusy: p(runs.sequential.cores, 50),
    cpuPerImageMs, ceilingImagesPerS: ceiling, ceilingP3: ceiling / s,
  };
}

async function coldStart(model: BenchModel, file: string) {
  const times: Record<string, number[]> = { edgefn: [], handwritten: [] };
  for (let r = 0; r < (values.quick ? 2 : 5); r++) {
    for (const c of ['edgefn', 'handwritten']) {
      const w = await Worker.start(c, model);
      const first = await w.ask({ t: 'run', file });
      times[c]!.push(w.readyMs + first.ms!);
      w.stop();
    }
  }
  const e = p(times.edgefn!, 50);
  const h = p(times.handwritten!, 50);
  return { edgefnColdMs: e, handwrittenColdMs: h, P4: e / h };
}

/**
 * P5 in three node configurations, each in its own process: warm-up, then `n` calls measured.
 * Under sustained calls V8 grows its young generation in steps (semi-spaces 1 → 16 MB, up to
 * +30 MB of RSS) whenever enough bytes have survived scavenges: bounded, but it lands in any
 * window at random. So P5 is read with the young generation at that ceiling from the start
 * (`--min-semi-space-size=16`, the size it reaches anyway), where what grows is what leaks; node's
 * defaults and a small board's setting (`--max-semi-space-size=1`) are reported beside it.
 */
async function memory(model: BenchModel, file: string, warmUp: number, n: number) {
  const configs = { pinned: ['--min-semi-space-size=16'], defaults: [], small: ['--max-semi-space-size=1'] } as const;
  const out: Record<string, number> = { warmUpCalls: warmUp, calls: n };
  for (const [key, flags] of Object.entries(configs)) {
    const w = await Worker.start('edgefn', model, undefined, [...flags]);
    await w.ask({ t: 'repeat', file, n: warmUp });
    const x = await w.ask({ t: 'repeat', file, n });
    w.stop();
    out[`${key}RssMB`] = x.rssBefore! / 2 ** 20;
    out[`${key}GrowthMB`] = (x.rssAfter! - x.rssBefore!) / 2 ** 20;
    out[`${key}HeapGrowthMB`] = (x.heapAfter! - x.heapBefore!) / 2 ** 20;
    out[`${key}LiveGrowthMB`] = (x.liveAfter! - x.liveBefore!) / 2 ** 20;
    out[`${key}MsPerCall`] = x.ms! / n;
  }
  out.P5 = out.pinnedGrowthMB!;
  return out;
}

/** P6 at one call a second, spinning off (the default) and on, in plain node (bench/paced-child.mjs). */
async function cpuPerInference(model: BenchModel, file: string, n: number) {
  const out: Record<string, number> = {};
  for (const [key, spin] of [['Off', 'off'], ['On', 'on']] as const) {
    const { stdout } = await execFileAsync(process.execPath, [path.join(ROOT, 'bench/paced-child.mjs'), model.dir, file, String(n), '1000', spin]);
    const x = JSON.parse(stdout) as Record<'startup' | 'steady' | 'floor', { totalCpuMs: number; workCpuMs: number }>;
    const calls = { startup: 10, steady: n, floor: 10 };
    for (const w of ['startup', 'steady'] as const) {
      const name = `spinning${key}${w === 'steady' ? '' : 'Startup'}`;
      out[`${name}CpuMsPerCall`] = x[w].totalCpuMs / calls[w];
      out[`${name}WorkCpuMsPerCall`] = x[w].workCpuMs / calls[w];
    }
    out[`spinning${key}FloorCpuMsPerTick`] = x.floor.totalCpuMs / calls.floor;
  }
  out.P6 = out.spinningOffCpuMsPerCall! / out.spinningOffWorkCpuMsPerCall!;
  out.P6startup = out.spinningOffStartupCpuMsPerCall! / out.spinningOffStartupWorkCpuMsPerCall!;
  out.P6spinningOn = out.spinningOnCpuMsPerCall! / out.spinningOnWorkCpuMsPerCall!;
  return out;
}

const models: BenchModel[] = [FASHION];
const big = await imagenet();
if (big) models.push(big);
else say(`(${imagenetOnnx()} is absent: the MobileNetV2-size part is skipped; set EDGEFN_BENCH_IMAGENET to a model file to run it)`);

for (const model of models) {
  say(`\n## ${model.title}`);
  const r: Record<string, unknown> = {};
  const sizes: Size[] = model.key === 'fashion' ? ['png', 'photo', 'frame', 'still'] : ['photo', 'frame', 'still'];
  if (part('latency')) {
  say('| input | P0 floor p50 (decode + infer) | hand-written p50 / p95 | edgefn p50 / p95 | P1 edgefn ÷ hand | transformers.js p50 | P2 transformers ÷ edgefn |');
  say('|---|---|---|---|---|---|---|');
  }
  for (const size of part('latency') ? sizes : []) {
    const contenders = ['floor', 'handwritten', 'edgefn', ...(model.hf ? ['transformers'] : [])];
    const x = await latency(model, size, contenders);
    r[size] = x;
    const label = size === 'png' ? '28x28 PNG' : SIZES[size].label;
    say(`| ${label} | ${f1(x.P0!)} ms (${f1(x.floorDecodeP50!)} + ${f1(x.floorInferP50!)}) | ${f1(x.handwrittenP50!)} / ${f1(x.handwrittenP95!)} ms | ${f1(x.edgefnP50!)} / ${f1(x.edgefnP95!)} ms | **${f2(x.P1!)}** | ${x.transformersP50 ? `${f1(x.transformersP50)} ms` : '-'} | ${x.P2 ? `**${f2(x.P2)}**` : '-'} |`);
  }
  const sample = (await inputs(model.key === 'fashion' ? 'png' : 'photo'))[0]!;
  if (part('p3')) {
  const tp = await throughput(model);
  r.throughput = tp;
  say(`P3 folder of 200 JPEGs (640x480): batch ${f1(tp.batchImagesPerS)} img/s vs sequential ${f1(tp.sequentialImagesPerS)} img/s: **${f2(tp.P3)}x**`);
  say(`   cores busy: batch ${f2(tp.batchCoresBusy)}, sequential ${f2(tp.sequentialCoresBusy)} of ${cpus().length}; ${f1(tp.cpuPerImageMs)} ms CPU per image, so at most ${f1(tp.ceilingImagesPerS)} img/s with every core busy (${f2(tp.ceilingP3)}x)`);
  }
  if (part('p4')) {
  const cs = await coldStart(model, sample);
  r.coldStart = cs;
  say(`P4 cold start to first result: edgefn ${f1(cs.edgefnColdMs)} ms vs hand-written ${f1(cs.handwrittenColdMs)} ms: **${f2(cs.P4)}**`);
  }
  if (part('p5')) {
  const mem = await memory(model, sample, model.key === 'fashion' ? 5_000 : 300, model.key === 'fashion' ? 10_000 : (values.quick ? 500 : 1_000));
  r.memory = mem;
  const m = (k: string) => `RSS ${f1(mem[`${k}RssMB`]!)} MB after ${mem.warmUpCalls} calls, growth over ${mem.calls} more ${f2(mem[`${k}GrowthMB`]!)} MB (V8 heap ${f2(mem[`${k}HeapGrowthMB`]!)} MB, of it live objects ${f2(mem[`${k}LiveGrowthMB`]!)} MB), ${f2(mem[`${k}MsPerCall`]!)} ms/call`;
  say(`P5 young generation at its ceiling: ${m('pinned')}: **${f2(mem.P5!)} MB**`);
  say(`   node defaults: ${m('defaults')}`);
  say(`   --max-semi-space-size=1 (small boards): ${m('small')}`);
  }
  if (part('p6')) {
  const cpu = await cpuPerInference(model, sample, values.quick ? 5 : 20);
  r.cpu = cpu;
  const c = (k: string) => `${f1(cpu[`spinning${k}CpuMsPerCall`]!)} ms (work ${f1(cpu[`spinning${k}WorkCpuMsPerCall`]!)} ms)`;
  say(`P6 CPU per inference at 1 call/s, plain node, after start-up: spinning off (default) ${c('Off')}: **${f2(cpu.P6!)}x**; spinning on ${c('On')}: ${f2(cpu.P6spinningOn!)}x`);
  say(`   floor (the same loop calling nothing): ${f2(cpu.spinningOffFloorCpuMsPerTick!)} ms a tick; the first 10 calls after start-up (V8's memory reducer collecting start-up garbage, once per process): ${c('OffStartup')}, ${f2(cpu.P6startup!)}x`);
  }
  results[model.key] = r;
}

await mkdir(path.join(ROOT, 'bench/results'), { recursive: true });
const suffix = only ? `-${[...only].join('-')}` : '';
await writeFile(path.join(ROOT, `bench/results/latest${suffix}.json`), JSON.stringify(results, null, 2));
await writeFile(path.join(ROOT, `bench/results/latest${suffix}.md`), `${lines.join('\n')}\n`);
console.log(`\nwrote bench/results/latest${suffix}.json and latest${suffix}.md (${results.machine && JSON.stringify(results.machine)})`);
