/**
 * The two kinds of session host behind one small interface: a child process (fork) or a worker
 * thread. The interface's promise: `onGone` is called exactly once, when the host can serve no
 * more (it exited, was killed, failed to start, or closed its channel without exiting), with a
 * phrase saying how; nothing a host does reaches the application as an unhandled 'error' event.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { messageOf } from '../errors.js';
import { debug } from '../util/debug.js';
import type { HostReply, HostRequest } from './protocol.js';

const log = debug('runtime');

/** How long a process host that closed its channel gets to exit before it is killed. */
const EXIT_AFTER_DISCONNECT_MS = 1000;

export type Isolation = 'thread' | 'process';

export interface HostChannel {
  /** `process 1234` or `thread 5`, for messages. */
  readonly id: string;
  /** The process id of a process host. */
  readonly pid?: number;
  /** The thread id of a thread host. */
  readonly threadId?: number;
  /** The ChildProcess or Worker itself (published on the `edgefn:session-host` diagnostics channel). */
  readonly handle: ChildProcess | Worker;
  /**
   * Sends a request. A failure to send (the channel is closed, EPIPE, a value that cannot be
   * cloned) goes to `onError`, never to an 'error' event. `transfer`: buffers moved instead of
   * copied, where the channel can (a thread; not a process).
   */
  send(msg: HostRequest, onError: (err: Error) => void, transfer?: ArrayBuffer[]): void;
  onMessage(fn: (reply: HostReply) => void): void;
  /** False once the host cannot be sent anything (a process that closed its channel): `onGone` follows. */
  readonly reachable: boolean;
  /** Called once, when the host is gone: `how` is e.g. `killed by SIGKILL`, `exited with code 1`. */
  onGone(fn: (how: string) => void): void;
  /** Ends the host at once (SIGKILL for a process, terminate() for a thread). */
  kill(): void;
  /** Whether the host keeps the application alive: only while something is under way. */
  hold(busy: boolean): void;
}

/** Calls the listeners once, with the first reason given. */
function gone(): { on(fn: (how: string) => void): void; fire(how: string): void; readonly fired: boolean } {
  const listeners: ((how: string) => void)[] = [];
  let fired = false;
  return {
    on: (fn) => void listeners.push(fn),
    fire: (how) => {
      if (fired) return;
      fired = true;
      for (const fn of listeners) fn(how);
    },
    get fired() { return fired; },
  };
}

export function processChannel(file: string, execArgv: string[]): HostChannel {
  const child = fork(file, [], { execArgv, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const end = gone();
  let exited = false;
  child.on('exit', (code, signal) => {
    exited = true;
    end.fire(signal ? `killed by ${signal}` : `exited with code ${code}`);
  });
  // 'error': the process could not be started (no pid), or could not be signalled. Sends report
  // their own failures through their callbacks, so they never come here.
  child.on('error', (err) => {
    log('session host process %s: %s', child.pid ?? '(not started)', messageOf(err));
    if (child.pid === undefined) end.fire(`could not be started (${messageOf(err)})`);
  });
  // A host that closed its channel can answer nothing more; it should exit right after.
  child.on('disconnect', () => {
    const timer = setTimeout(() => {
      if (exited) return;
      end.fire('closed its channel without exiting');
      child.kill('SIGKILL');
    }, EXIT_AFTER_DISCONNECT_MS);
    timer.unref();
  });
  return {
    id: `process ${child.pid}`,
    ...(child.pid !== undefined ? { pid: child.pid } : {}),
    handle: child,
    get reachable() { return child.connected; },
    send: (msg, onError) => {
      try {
        if (!child.connected) throw Object.assign(new Error('Channel closed'), { code: 'ERR_IPC_CHANNEL_CLOSED' });
        child.send(msg, (err) => { if (err) onError(err); });
      } catch (err) {
        onError(err as Error);
      }
    },
    onMessage: (fn) => void child.on('message', fn),
    onGone: end.on,
    kill: () => { if (!exited) child.kill('SIGKILL'); },
    hold: (busy) => {
      const channel = child.channel as { ref(): void; unref(): void } | null | undefined;
      if (busy) { child.ref(); channel?.ref(); } else { child.unref(); channel?.unref(); }
    },
  };
}

export function threadChannel(file: string, execArgv: string[]): HostChannel {
  // The host gets none of the application's node flags (some, like --input-type, fail in a worker).
  // A checkout runs the TypeScript host: workers take no --import, so register tsx inside it first.
  const worker = execArgv.length > 0
    ? new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(pathToFileURL(file).href)}); })`, { eval: true, execArgv: [] })
    : new Worker(file, { execArgv: [] });
  const end = gone();
  // An uncaught error in the host ends the thread: 'error' says what, 'exit' follows.
  let failure: string | null = null;
  worker.on('error', (err) => { failure = messageOf(err); });
  worker.on('messageerror', (err) => log('session host thread %d: a message could not be read: %s', worker.threadId, messageOf(err)));
  worker.on('exit', (code) => end.fire(failure ? `failed with an uncaught error (${failure})` : `exited with code ${code}`));
  return {
    id: `thread ${worker.threadId}`,
    threadId: worker.threadId,
    handle: worker,
    get reachable() { return !end.fired; },
    send: (msg, onError, transfer) => {
      try {
        // A message to a thread that has ended is dropped without an error: its 'exit' fails the call.
        worker.postMessage(msg, transfer);
      } catch (err) {
        onError(err as Error);
      }
    },
    onMessage: (fn) => void worker.on('message', fn),
    onGone: end.on,
    kill: () => { if (!end.fired) void worker.terminate(); },
    hold: (busy) => (busy ? worker.ref() : worker.unref()),
  };
}

export function startChannel(how: Isolation, file: string, execArgv: string[]): HostChannel {
  return how === 'thread' ? threadChannel(file, execArgv) : processChannel(file, execArgv);
}
