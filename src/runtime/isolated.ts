/**
 * A session in a child process. onnxruntime does not give all memory back when a session is
 * released (upstream onnxruntime issue 25325; RSS grows with every reload), so a store that swaps
 * versions for months runs each version's session in its own process and ends the process on
 * release. Tensors cross with the V8 serializer (typed arrays are copied, not turned into JSON).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EdgefnError, ErrorCode } from '../errors.js';
import path from 'node:path';
import type { FileRef, Format } from '../model/manifest.js';
import { debug } from '../util/debug.js';
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

class IsolatedSession implements RuntimeSession {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (t: Record<string, Tensor>) => void; reject: (e: Error) => void }>();
  private exited: Error | null = null;
  runtime = '';
  providers: readonly string[] = [];
  inputs: readonly TensorInfo[] = [];
  outputs: readonly TensorInfo[] = [];

  constructor(private readonly child: ChildProcess, private readonly source: string) {
    child.on('message', (reply: HostReply) => {
      if (reply.t === 'result' || (reply.t === 'error' && reply.id !== undefined)) {
        const p = this.pending.get(reply.id!);
        this.pending.delete(reply.id!);
        if (reply.t === 'result') p?.resolve(reply.outputs);
        else p?.reject(new EdgefnError(reply.code, reply.message, { input: source }));
      }
    });
    child.on('exit', (code, signal) => {
      this.exited = new EdgefnError(ErrorCode.RUNTIME_FAILED, `the session host for ${source} exited (${signal ?? `code ${code}`})`, { input: source });
      for (const p of this.pending.values()) p.reject(this.exited);
      this.pending.clear();
    });
  }

  private send(msg: HostRequest): void {
    this.child.send(msg);
  }

  async create(request: Extract<HostRequest, { t: 'create' }>): Promise<void> {
    const reply = await new Promise<HostReply>((resolve, reject) => {
      this.child.once('message', resolve);
      this.child.once('exit', () => reject(this.exited));
      this.send(request);
    });
    if (reply.t === 'error') throw new EdgefnError(reply.code, reply.message, { input: this.source });
    if (reply.t !== 'created') throw new EdgefnError(ErrorCode.RUNTIME_FAILED, `unexpected reply ${reply.t} from the session host`);
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
      this.send({ t: 'run', id, feeds, outputNames });
    });
  }

  async release(): Promise<void> {
    if (this.exited) return;
    const done = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
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
export async function createIsolatedSession(m: IsolatedModel, options: SessionOptions): Promise<RuntimeSession> {
  const modelFile = path.join(m.versionDir, m.model.file);
  const { file, execArgv } = hostScript();
  const child = fork(file, [], { execArgv, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const session = new IsolatedSession(child, modelFile);
  try {
    await session.create({ t: 'create', ...m, options });
  } catch (err) {
    child.kill();
    throw err;
  }
  log('session host %d serves %s', child.pid, modelFile);
  return session;
}
