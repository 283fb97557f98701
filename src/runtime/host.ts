/**
 * The session host: a worker thread or a child process that owns one inference session
 * (see ./isolated.ts). In a thread, inference never blocks the application's event loop; in a
 * process, the operating system also takes back every byte the runtime allocated when the
 * session is released and the process exits, leaked or not.
 */
import { parentPort } from 'node:worker_threads';
import { EdgefnError, ErrorCode, messageOf } from '../errors.js';
import { modelSource } from '../model/files.js';
import { resolveRuntime } from './index.js';
import type { HostReply, HostRequest } from './protocol.js';
import type { RuntimeSession } from './types.js';

let session: RuntimeSession | null = null;

function send(reply: HostReply): void {
  if (parentPort) parentPort.postMessage(reply);
  else process.send!(reply);
}

function errorReply(err: unknown, id?: number): HostReply {
  const code = err instanceof EdgefnError ? err.code : ErrorCode.RUNTIME_FAILED;
  return { t: 'error', id, code, message: messageOf(err) };
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
      await session?.release();
      // In a worker thread this ends the thread only.
      process.exit(0);
    }
  }
}

// Warnings belong to the application: hand them to the parent instead of printing them here.
process.removeAllListeners('warning');
process.on('warning', (w: Error & { code?: string }) => send({ t: 'warning', ...(w.code ? { code: w.code } : {}), message: w.message }));

if (parentPort) {
  parentPort.on('message', (msg: HostRequest) => void handle(msg));
} else {
  process.on('message', (msg: HostRequest) => void handle(msg));
  // The parent went away (crashed, killed): nothing left to serve.
  process.on('disconnect', () => process.exit(0));
}
