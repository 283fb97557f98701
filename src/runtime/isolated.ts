/**
 * A session in a worker thread or a child process.
 * - thread: onnxruntime-node runs `session.run` synchronously on the calling thread, so on the
 *   main thread every inference blocks the event loop for its whole length; in a worker the
 *   application keeps serving timers, sensors and sockets meanwhile.
 * - process: onnxruntime does not give all memory back when a session is released (upstream
 *   onnxruntime issue 25325; RSS grows with every reload), so a store that swaps versions for
 *   months runs each version's session in its own process and ends the process on release.
 * Tensors cross by structured clone (typed arrays are copied, not turned into JSON).
 */
import { fork } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { EdgefnError, ErrorCode } from '../errors.js';
import path from 'node:path';
import type { FileRef, Format } from '../model/manifest.js';
import { debug, warn } from '../util/debug.js';
import type { HostReply, HostRequest } from './protocol.js';
import type { RuntimeSession, SessionOptions, Tensor, TensorInfo } from './types.js';

const log = debug('runtime');

/** The host script: dist/session-host.mjs when built, src/runtime/host.ts (through tsx) in a checkout. */
function hostScript(): { file: string; execArgv: string[] } {
  const built = fileURLToPath(new URL('./session-host.mjs', import.meta.url));
  if (existsSync(built)) return { file: built, execArgv: [] };
  const source = fileURLToPath(new URL('./host.ts', import.meta.url));
  return { file: source, execArgv: ['--import', 'tsx'] };
}

export type Isolation = 'thread' | 'process';

/** What IsolatedSession needs from a thread or a process. */
interface Channel {
  readonly id: string;
  /** `transfer`: buffers handed over instead of copied, where the channel can (a thread; not a process). */
  send(msg: HostRequest, transfer?: ArrayBuffer[]): void;
  onMessage(fn: (reply: HostReply) => void): void;
  onceMessage(fn: (reply: HostReply) => void): void;
  onExit(fn: (why: string) => void): void;
  kill(): void;
  /** Whether the host keeps the application alive: only while a request is under way. */
  hold(busy: boolean): void;
}

function processChannel(file: string, execArgv: string[]): Channel {
  const child = fork(file, [], { execArgv, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return {
    id: `process ${child.pid}`,
    send: (msg) => child.send(msg),
    onMessage: (fn) => child.on('message', fn),
    onceMessage: (fn) => child.once('message', fn),
    onExit: (fn) => child.on('exit', (code, signal) => fn(signal ?? `code ${code}`)),
    kill: () => child.kill(),
    hold: (busy) => {
      const channel = child.channel as { ref(): void; unref(): void } | null | undefined;
      if (busy) { child.ref(); channel?.ref(); } else { child.unref(); channel?.unref(); }
    },
  };
}

function threadChannel(file: string, execArgv: string[]): Channel {
  // The host gets none of the application's node flags (some, like --input-type, fail in a worker).
  // A checkout runs the TypeScript host: workers take no --import, so register tsx inside it first.
  const worker = execArgv.length > 0
    ? new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(pathToFileURL(file).href)}); })`, { eval: true, execArgv: [] })
    : new Worker(file, { execArgv: [] });
  return {
    id: `thread ${worker.threadId}`,
    send: (msg, transfer) => worker.postMessage(msg, transfer),
    onMessage: (fn) => worker.on('message', fn),
    onceMessage: (fn) => worker.once('message', fn),
    onExit: (fn) => worker.on('exit', (code) => fn(`code ${code}`)),
    kill: () => void worker.terminate(),
    hold: (busy) => (busy ? worker.ref() : worker.unref()),
  };
}

class IsolatedSession implements RuntimeSession {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (t: Record<string, Tensor>) => void; reject: (e: Error) => void }>();
  private exited: Error | null = null;
  runtime = '';
  providers: readonly string[] = [];
  inputs: readonly TensorInfo[] = [];
  outputs: readonly TensorInfo[] = [];

  constructor(private readonly child: Channel, private readonly source: string) {
    child.onMessage((reply: HostReply) => {
      if (reply.t === 'warning') {
        warn(reply.code ?? 'EDGEFN_HOST_WARNING', reply.message);
        return;
      }
      if (reply.t === 'result' || (reply.t === 'error' && reply.id !== undefined)) {
        const p = this.pending.get(reply.id!);
        this.pending.delete(reply.id!);
        if (this.pending.size === 0) child.hold(false);
        if (reply.t === 'result') p?.resolve(reply.outputs);
        else p?.reject(new EdgefnError(reply.code, reply.message, { input: source }));
      }
    });
    child.onExit((why) => {
      this.exited = new EdgefnError(ErrorCode.RUNTIME_FAILED, `the session host for ${source} exited (${why})`, { input: source });
      for (const p of this.pending.values()) p.reject(this.exited);
      this.pending.clear();
    });
  }

  private send(msg: HostRequest, transfer?: ArrayBuffer[]): void {
    this.child.send(msg, transfer);
  }

  async create(request: Extract<HostRequest, { t: 'create' }>): Promise<void> {
    const reply = await new Promise<HostReply>((resolve, reject) => {
      const onReply = (r: HostReply) => (r.t === 'warning' ? this.child.onceMessage(onReply) : resolve(r));
      this.child.onceMessage(onReply);
      this.child.onExit(() => reject(this.exited));
      this.send(request);
    });
    if (reply.t === 'error') throw new EdgefnError(reply.code, reply.message, { input: this.source });
    if (reply.t !== 'created') throw new EdgefnError(ErrorCode.RUNTIME_FAILED, `unexpected reply ${reply.t} from the session host`);
    this.child.hold(false);
    this.runtime = reply.runtime;
    this.providers = reply.providers;
    this.inputs = reply.inputs;
    this.outputs = reply.outputs;
  }

  run(feeds: Record<string, Tensor>, outputNames: readonly string[]): Promise<Record<string, Tensor>> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.hold(true);
      // The input tensors are made for this run and not read after it (the pipeline allocates one
      // per run): a worker gets their buffers moved, not copied (4.8 MB for 8 ImageNet images).
      const transfer = [...new Set(Object.values(feeds)
        .map((t) => t.data.buffer)
        .filter((b): b is ArrayBuffer => b instanceof ArrayBuffer && b.byteLength > 0))];
      this.send({ t: 'run', id, feeds, outputNames }, transfer);
    });
  }

  async release(): Promise<void> {
    if (this.exited) return;
    const done = new Promise<void>((resolve) => this.child.onExit(() => resolve()));
    this.child.hold(true);
    this.send({ t: 'release' });
    await done;
    log('session host for %s ended', this.source);
  }
}

export interface IsolatedModel {
  format: Format;
  runtime?: string;
  versionDir: string;
  model: FileRef;
  files: FileRef[];
  verify: boolean;
}

/**
 * Starts a host for a model and creates the session there. The host resolves the runtime and
 * reads (and checks) the model's files itself, so the parent neither loads the runtime package nor
 * holds the model's bytes.
 */
export async function createIsolatedSession(how: Isolation, m: IsolatedModel, options: SessionOptions): Promise<RuntimeSession> {
  const modelFile = path.join(m.versionDir, m.model.file);
  const { file, execArgv } = hostScript();
  const child = how === 'thread' ? threadChannel(file, execArgv) : processChannel(file, execArgv);
  const session = new IsolatedSession(child, modelFile);
  try {
    await session.create({ t: 'create', ...m, options });
  } catch (err) {
    child.kill();
    throw err;
  }
  log('session host (%s) serves %s', child.id, modelFile);
  return session;
}
