/**
 * The session host: a child process that owns one inference session (see ./isolated.ts).
 * When the session is released the process exits, and the operating system takes back every
 * byte the runtime allocated, leaked or not.
 */
import { EdgefnError, ErrorCode, messageOf } from '../errors.js';
import { modelSource } from '../model/folder.js';
import { resolveRuntime } from './index.js';
import type { HostReply, HostRequest } from './protocol.js';
import type { RuntimeSession } from './types.js';

let session: RuntimeSession | null = null;

function send(reply: HostReply): void {
  process.send!(reply);
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
      process.exit(0);
    }
  }
}

process.on('message', (msg: HostRequest) => void handle(msg));
// The parent went away (crashed, killed): nothing left to serve.
process.on('disconnect', () => process.exit(0));
