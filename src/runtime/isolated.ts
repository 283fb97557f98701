/**
 * A session in a worker thread or a child process.
 * - thread: onnxruntime-node runs `session.run` synchronously on the calling thread, so on the
 *   main thread every inference blocks the event loop for its whole length; in a worker the
 *   application keeps serving timers, sensors and sockets meanwhile.
 * - process: onnxruntime does not give all memory back when a session is released (upstream
 *   onnxruntime issue 25325; RSS grows with every reload), so a store that swaps versions for
 *   months runs each version's session in its own process and ends the process on release.
 * Tensors cross by structured clone (typed arrays are copied, not turned into JSON).
 *
 * A host that dies (killed, out of memory, a crash in a runtime) takes only its calls under way
 * with it: they reject with EDGEFN_SESSION_DIED, and the next call starts a new host from the
 * same request, at most MAX_RESTARTS times a minute. Nothing it does reaches the application as an
 * unhandled error, and release() ends within a bounded time whether the host answers or not.
 */
import { channel as diagnosticsChannel } from 'node:diagnostics_channel';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EdgefnError, ErrorCode, messageOf } from '../errors.js';
import type { FileRef, Format } from '../model/manifest.js';
import { debug, warn } from '../util/debug.js';
import { startChannel, type HostChannel, type Isolation } from './host-channel.js';
import type { HostReply, HostRequest } from './protocol.js';
import type { RuntimeSession, SessionOptions, Tensor, TensorInfo } from './types.js';

export type { Isolation } from './host-channel.js';

const log = debug('runtime');

/** Restarts allowed within RESTART_WINDOW_MS; a host that dies more often is left dead until the window moves on. */
export const MAX_RESTARTS = 3;
const RESTART_WINDOW_MS = 60_000;
/** How long a released host gets to end by itself before it is killed, then how long its end is awaited. */
export const RELEASE_GRACE_MS = 3000;
const KILL_WAIT_MS = 2000;

/**
 * Hosts starting and ending, for diagnostics and tests: `{ event: 'start' | 'gone', isolate,
 * model, id, pid?, threadId?, how?, released?, host }` where `host` is the ChildProcess or Worker
 * and `how` says how it ended (`exited with code 0`, `killed by SIGKILL`, ...).
 */
const hostEvents = diagnosticsChannel('edgefn:session-host');

/** The host script: dist/session-host.mjs when built, src/runtime/host.ts (through tsx) in a checkout. */
function hostScript(): { file: string; execArgv: string[] } {
  const built = fileURLToPath(new URL('./session-host.mjs', import.meta.url));
  if (existsSync(built)) return { file: built, execArgv: [] };
  const source = fileURLToPath(new URL('./host.ts', import.meta.url));
  return { file: source, execArgv: ['--import', 'tsx'] };
}

type CreateRequest = Extract<HostRequest, { t: 'create' }>;
type Created = Extract<HostReply, { t: 'created' }>;
interface Waiter<T> { resolve: (value: T) => void; reject: (err: Error) => void }

/** Failures to send that mean the host is gone (or going), rather than a bad message. */
const CHANNEL_GONE = new Set(['ERR_IPC_CHANNEL_CLOSED', 'EPIPE', 'ECONNRESET', 'ERR_IPC_DISCONNECTED']);

/** One host (thread or process) and the requests under way in it. */
class Host {
  private nextId = 1;
  private readonly pending = new Map<number, Waiter<Record<string, Tensor>>>();
  private creating: Waiter<Created> | null = null;
  private stopping = false;
  /** How it ended, once it has. */
  how: string | null = null;
  readonly ended: Promise<void>;

  constructor(readonly channel: HostChannel, private readonly source: string, onEnded: (host: Host, how: string, released: boolean) => void) {
    channel.onMessage((reply) => this.onReply(reply));
    this.ended = new Promise((resolve) => channel.onGone((how) => {
      this.how = how;
      const err = this.died(this.creating ? 'while the session was being created' : 'while this call was under way; the next call starts a new one');
      this.creating?.reject(err);
      this.creating = null;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      onEnded(this, how, this.stopping);
      resolve();
    }));
  }

  died(when: string): EdgefnError {
    return new EdgefnError(ErrorCode.SESSION_DIED, `the session host (${this.channel.id}) for ${this.source} ${this.how ?? 'died'} ${when}`, { input: this.source });
  }

  private hold(): void {
    this.channel.hold(this.pending.size > 0 || this.creating !== null || this.stopping);
  }

  private onReply(reply: HostReply): void {
    if (reply.t === 'warning') {
      warn(reply.code ?? 'EDGEFN_HOST_WARNING', reply.message);
    } else if (reply.t === 'created' || (reply.t === 'error' && reply.id === undefined)) {
      const waiter = this.creating;
      this.creating = null;
      this.hold();
      if (reply.t === 'created') waiter?.resolve(reply);
      else waiter?.reject(new EdgefnError(reply.code, reply.message, { input: this.source }));
    } else if (reply.id !== undefined) {
      const p = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      this.hold();
      if (reply.t === 'result') p?.resolve(reply.outputs);
      else p?.reject(new EdgefnError(reply.code, reply.message, { input: this.source }));
    }
  }

  private sendFailed(err: Error): EdgefnError {
    const code = (err as NodeJS.ErrnoException).code;
    if (code && CHANNEL_GONE.has(code)) {
      return new EdgefnError(ErrorCode.SESSION_DIED, `the session host (${this.channel.id}) for ${this.source} cannot be reached (${code}); the next call starts a new one`, { input: this.source, cause: err });
    }
    return new EdgefnError(ErrorCode.INTERNAL, `a request could not be sent to the session host for ${this.source}: ${messageOf(err)}`, { input: this.source, cause: err });
  }

  create(request: CreateRequest): Promise<Created> {
    if (this.how) return Promise.reject(this.died('before the session was created'));
    return new Promise((resolve, reject) => {
      this.creating = { resolve, reject };
      this.hold();
      this.channel.send(request, (err) => {
        this.creating = null;
        this.hold();
        reject(this.sendFailed(err));
      });
    });
  }

  run(feeds: Record<string, Tensor>, outputNames: readonly string[]): Promise<Record<string, Tensor>> {
    if (this.how) return Promise.reject(this.died('before this call was sent; the next call starts a new one'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.hold();
      // The input tensors are made for this run and not read after it (the pipeline allocates one
      // per run): a worker gets their buffers moved, not copied (4.8 MB for 8 ImageNet images).
      const transfer = [...new Set(Object.values(feeds)
        .map((t) => t.data.buffer)
        .filter((b): b is ArrayBuffer => b instanceof ArrayBuffer && b.byteLength > 0))];
      this.channel.send({ t: 'run', id, feeds, outputNames }, (err) => {
        if (!this.pending.delete(id)) return;
        this.hold();
        reject(this.sendFailed(err));
      }, transfer);
    });
  }

  /** Asks the host to release its session and end; kills it if it has not ended after `graceMs`. Never waits longer than that plus KILL_WAIT_MS. */
  async stop(graceMs: number): Promise<void> {
    if (this.how) return;
    this.stopping = true;
    this.hold();
    this.channel.send({ t: 'release' }, () => this.channel.kill());
    if (await within(this.ended, graceMs)) return;
    log('session host (%s) for %s did not end within %d ms of its release: killed', this.channel.id, this.source, graceMs);
    this.channel.kill();
    if (!(await within(this.ended, KILL_WAIT_MS))) {
      log('session host (%s) for %s has not ended %d ms after being killed; no longer waited for', this.channel.id, this.source, KILL_WAIT_MS);
      this.channel.hold(false);
    }
  }
}

/** Whether `p` settles within `ms`. */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => { timer = setTimeout(resolve, ms, false); });
  try {
    return await Promise.race([p.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

class IsolatedSession implements RuntimeSession {
  private host: Host | null = null;
  private starting: Promise<Host> | null = null;
  /** When hosts died (or failed to restart), for the restart cap. */
  private deaths: number[] = [];
  private lastHow = '';
  private released: Promise<void> | null = null;
  runtime = '';
  providers: readonly string[] = [];
  inputs: readonly TensorInfo[] = [];
  outputs: readonly TensorInfo[] = [];

  constructor(private readonly how: Isolation, private readonly request: CreateRequest, private readonly source: string) {}

  /** Starts a host and creates the session in it; a host that fails to create it is ended. */
  async start(): Promise<Host> {
    const { file, execArgv } = hostScript();
    let channel: HostChannel;
    try {
      channel = startChannel(this.how, file, execArgv);
    } catch (err) {
      throw new EdgefnError(ErrorCode.SESSION_DIED, `a session host (${this.how}) for ${this.source} could not be started: ${messageOf(err)}`, { input: this.source, cause: err });
    }
    const host = new Host(channel, this.source, (h, how, released) => this.onEnded(h, how, released));
    if (hostEvents.hasSubscribers) hostEvents.publish({ event: 'start', ...this.describe(host) });
    try {
      const created = await host.create(this.request);
      this.runtime = created.runtime;
      this.providers = created.providers;
      this.inputs = created.inputs;
      this.outputs = created.outputs;
    } catch (err) {
      await host.stop(RELEASE_GRACE_MS);
      throw err;
    }
    log('session host (%s) serves %s', channel.id, this.source);
    return host;
  }

  private describe(host: Host): Record<string, unknown> {
    const { id, pid, threadId, handle } = host.channel;
    return { isolate: this.how, model: this.source, id, pid, threadId, how: host.how ?? undefined, host: handle };
  }

  private onEnded(host: Host, how: string, released: boolean): void {
    log('session host (%s) for %s %s%s', host.channel.id, this.source, how, released ? ' after its release' : '');
    if (hostEvents.hasSubscribers) hostEvents.publish({ event: 'gone', released, ...this.describe(host) });
    // A host that dies before serving (while creating) is counted by restart() as a failed restart.
    if (released || this.host !== host) return;
    this.host = null;
    this.deaths.push(Date.now());
    this.lastHow = how;
  }

  /** A new host for the next call, unless hosts have died too often lately. Concurrent calls share one restart. */
  private restart(): Promise<Host> {
    if (this.starting) return this.starting;
    const now = Date.now();
    this.deaths = this.deaths.filter((t) => now - t < RESTART_WINDOW_MS);
    if (this.deaths.length > MAX_RESTARTS) {
      const wait = Math.ceil((this.deaths[0]! + RESTART_WINDOW_MS - now) / 1000);
      return Promise.reject(new EdgefnError(ErrorCode.SESSION_DIED, `the session host for ${this.source} died ${this.deaths.length} times within a minute (last: ${this.lastHow}); it is not restarted for ${wait} s`, { input: this.source }));
    }
    this.starting = this.start().then(
      (host) => {
        this.host = host;
        log('session host for %s restarted (%s)', this.source, host.channel.id);
        return host;
      },
      (err: unknown) => {
        this.deaths.push(Date.now());
        this.lastHow = `could not be restarted: ${messageOf(err)}`;
        throw new EdgefnError(ErrorCode.SESSION_DIED, `the session host for ${this.source} died and could not be restarted: ${messageOf(err)}`, { input: this.source, cause: err });
      },
    ).finally(() => { this.starting = null; });
    return this.starting;
  }

  async run(feeds: Record<string, Tensor>, outputNames: readonly string[]): Promise<Record<string, Tensor>> {
    if (this.released) throw new EdgefnError(ErrorCode.DISPOSED, `the session for ${this.source} was released`, { input: this.source });
    // A process that closed its channel is dying: wait for its end (its 'exit' follows within a
    // second) so that this call goes to a new host instead of failing.
    if (this.host && !this.host.channel.reachable) await this.host.ended;
    const host = this.host ?? await this.restart();
    return host.run(feeds, outputNames);
  }

  /** Ends the host: promptly when it is dead, within RELEASE_GRACE_MS + KILL_WAIT_MS when it hangs. */
  release(): Promise<void> {
    this.released ??= (async () => {
      const host = this.host ?? await this.starting?.catch(() => null) ?? null;
      this.host = null;
      await host?.stop(RELEASE_GRACE_MS);
      log('session host for %s ended', this.source);
    })();
    return this.released;
  }

  /** The first host, at load: its errors keep their codes (a checksum, an unloadable model). */
  async open(): Promise<void> {
    this.host = await this.start();
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
  const session = new IsolatedSession(how, { t: 'create', ...m, options }, path.join(m.versionDir, m.model.file));
  await session.open();
  return session;
}
