/**
 * A real pseudo-terminal pair made by socat: `dev` is the sensor's side that edgefn opens as a
 * serial port, `host` is where the test writes what the "sensor" sends. kill() is an unplug;
 * start() again with the same folder is a replug (same device path, a new terminal).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

export class PtyPair {
  private child: ChildProcess | null = null;
  private writer: FileHandle | null = null;
  readonly dev: string;
  readonly host: string;

  constructor(readonly dir: string) {
    this.dev = path.join(dir, 'ttyEDGE0');
    this.host = path.join(dir, 'host');
  }

  async start(): Promise<void> {
    this.child = spawn('socat', [`pty,raw,echo=0,link=${this.dev}`, `pty,raw,echo=0,link=${this.host}`], { stdio: 'ignore' });
    this.child.on('error', (err) => { throw new Error(`socat could not start (apt-get install socat): ${err.message}`); });
    const t0 = Date.now();
    while (!(existsSync(this.dev) && existsSync(this.host))) {
      if (Date.now() - t0 > 5000) throw new Error('socat did not create the pty pair');
      await new Promise((r) => setTimeout(r, 20));
    }
    this.writer = await open(this.host, 'w');
  }

  async send(text: string): Promise<void> {
    await this.writer!.write(text);
  }

  /** Unplug: socat exits, both terminals close. */
  async kill(): Promise<void> {
    await this.writer?.close().catch(() => {});
    this.writer = null;
    const c = this.child;
    this.child = null;
    if (c && c.exitCode === null) {
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await exited;
    }
  }
}
