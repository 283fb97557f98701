/**
 * One session host (a thread or a process, see ./host-channel.ts) seen from the application: the
 * requests under way in it, their answers, and what becomes of them when the host dies (they
 * reject with EDGEFN_SESSION_DIED). IsolatedSession (./isolated.ts) decides when to start another.
 */
import { EdgefnError, ErrorCode, messageOf } from '../errors.js';
import { debug, warn } from '../util/debug.js';
import type { HostChannel } from './host-channel.js';
import type { HostReply, HostRequest } from './protocol.js';
import type { Tensor } from './types.js';

const log = debug('runtime');

/** How long a host that does not end after being killed is waited for. */
const KILL_WAIT_MS = 2000;

export type CreateRequest = Extract<HostRequest, { t: 'create' }>;
export type Created = Extract<HostReply, { t: 'created' }>;
interface Waiter<T> { resolve: (value: T) => void; reject: (err: Error) => void }

/** Failures to send that mean the host is gone (or going), rather than a bad message. */
const CHANNEL_GONE = new Set(['ERR_IPC_CHANNEL_CLOSED', 'EPIPE', 'ECONNRESET', 'ERR_IPC_DISCONNECTED']);

/** One host (thread or process) and the requests under way in it. */
export class Host {
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

  /**
   * A request that could not be sent. When the channel is gone (EPIPE, closed), the host is dying
   * and its end, which always follows, fails the request with how it died; anything else (a value
   * that cannot be cloned) fails it now.
   */
  private sendFailed(err: Error, fail: (e: EdgefnError) => void): void {
    const code = (err as NodeJS.ErrnoException).code;
    log('session host (%s) for %s: a request could not be sent: %s', this.channel.id, this.source, messageOf(err));
    if (code && CHANNEL_GONE.has(code)) return;
    fail(new EdgefnError(ErrorCode.INTERNAL, `a request could not be sent to the session host for ${this.source}: ${messageOf(err)}`, { input: this.source, cause: err }));
  }

  create(request: CreateRequest): Promise<Created> {
    if (this.how) return Promise.reject(this.died('before the session was created'));
    return new Promise((resolve, reject) => {
      this.creating = { resolve, reject };
      this.hold();
      this.channel.send(request, (err) => this.sendFailed(err, (e) => {
        this.creating = null;
        this.hold();
        reject(e);
      }));
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
      this.channel.send({ t: 'run', id, feeds, outputNames }, (err) => this.sendFailed(err, (e) => {
        if (!this.pending.delete(id)) return;
        this.hold();
        reject(e);
      }), transfer);
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
