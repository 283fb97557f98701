/**
 * The session host: a worker thread or a child process that owns one inference session
 * (see ./isolated.ts). In a thread, inference never blocks the application's event loop; in a
 * process, the operating system also takes back every byte the runtime allocated when the
 * session is released and the process exits, leaked or not.
 *
 * The host never ends the process itself (only the CLI may): its channel to the parent is the one
 * thing that keeps its event loop alive, so closing it (on 'release') or losing it (the parent
 * died) lets the thread or process end by itself. A host that does not end is killed by the
 * parent after a grace period.
 */
import { parentPort } from 'node:worker_threads';
import { EdgefnError, ErrorCode, messageOf } from '../errors.js';
import { modelSource } from '../model/files.js';
import { resolveRuntime } from './index.js';
import type { HostReply, HostRequest } from './protocol.js';
import type { RuntimeSession } from './types.js';

let session: RuntimeSession | null = null;
let faultOnRun = false;

function send(reply: HostReply): void {
  if (parentPort) {
    parentPort.postMessage(reply);
  } else if (process.connected) {
    // The callback takes a failed send (the parent went away meanwhile) instead of an 'error'
    // event, which would crash the host with a stack trace on the application's stderr: with no
    // parent there is no one to answer, and the host ends as its channel closes.
    process.send!(reply, undefined, undefined, () => {});
  }
}

function errorReply(err: unknown, id?: number): HostReply {
  const code = err instanceof EdgefnError ? err.code : ErrorCode.RUNTIME_FAILED;
  return { t: 'error', id, code, message: messageOf(err) };
}

/** Closes the channel: with nothing else pending, the thread or process ends with code 0. */
function end(): void {
  if (parentPort) parentPort.close();
  else if (process.connected) process.disconnect();
}

function fault(): never {
  throw new Error('edgefn test fault: an uncaught error in the session host');
}

async function handle(msg: HostRequest): Promise<void> {
  switch (msg.t) {
    case 'create': {
      try {
        const runtime = await resolveRuntime(msg.format, msg.runtime);
        session = await runtime.createSession(await modelSource(msg.versionDir, msg.model, msg.files, msg.verify), msg.options);
        send({ t: 'created', runtime: session.runtime, providers: [...session.providers], inputs: [...session.inputs], outputs: [...session.outputs] });
      } catch (err) {
        send(errorReply(err));
      }
      return;
    }
    case 'run': {
      try {
        if (!session) throw new EdgefnError(ErrorCode.RUNTIME_FAILED, 'no session in this host');
        send({ t: 'result', id: msg.id, outputs: await session.run(msg.feeds, msg.outputNames) });
      } catch (err) {
        send(errorReply(err, msg.id));
      }
      return;
    }
    case 'release': {
      try {
        await session?.release();
      } catch (err) {
        send({ t: 'warning', code: 'EDGEFN_RELEASE_FAILED', message: `releasing the session failed: ${messageOf(err)}` });
      }
      session = null;
      end();
      return;
    }
    case 'fault': {
      if (msg.when === 'now') setImmediate(fault);
      else faultOnRun = true;
    }
  }
}

function onMessage(msg: HostRequest): void {
  // Thrown here, outside any promise: an uncaught error, exactly as a crash in a runtime would be.
  if (faultOnRun && msg.t === 'run') fault();
  void handle(msg);
}

// Warnings belong to the application: hand them to the parent instead of printing them here.
process.removeAllListeners('warning');
process.on('warning', (w: Error & { code?: string }) => send({ t: 'warning', ...(w.code ? { code: w.code } : {}), message: w.message }));

// When the parent goes away (crashed, killed), the channel closes and nothing is left to keep
// this host alive: it ends by itself once the run under way, if any, returns.
if (parentPort) parentPort.on('message', onMessage);
else process.on('message', onMessage);
