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
import type { FileRef, Format } from '../manifest/index.js';
import { debug } from '../util/debug.js';
import { startChannel, type HostChannel, type Isolation } from './host-channel.js';
import { Host, type CreateRequest } from './host-client.js';
import type { RuntimeSession, SessionOptions, Tensor, TensorInfo } from './types.js';

export type { Isolation } from './host-channel.js';

const log = debug('runtime');

/** Restarts allowed within RESTART_WINDOW_MS; a host that dies more often is left dead until the window moves on. */
export const MAX_RESTARTS = 3;
const RESTART_WINDOW_MS = 60_000;
/** How long a released host gets to end by itself before it is killed. */
export const RELEASE_GRACE_MS = 3000;

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
      if (this.runtime === '') {
        this.runtime = created.runtime;
        this.providers = created.providers;
        this.inputs = created.inputs;
        this.outputs = created.outputs;
      } else if (JSON.stringify([created.inputs, created.outputs]) !== JSON.stringify([this.inputs, this.outputs])) {
        // The files changed since load (possible with verify: false): the pipeline is built for the old ones.
        throw new EdgefnError(ErrorCode.MODEL_MISMATCH, `${this.source}: the new session's inputs or outputs differ from those at load; load the model again`, { input: this.source });
      }
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
