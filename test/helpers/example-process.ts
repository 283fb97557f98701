/**
 * An example run as a real child process (`node --import tsx examples/<name>.ts ...`), as a user
 * runs it: its output is collected, it can be waited on for a line, signalled, and checked to
 * exit. Bounds here are hang checks (generous), never timing assertions.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './index.ts';

export interface ExampleProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout line matching `re`; rejects after `ms` (a hang) or if the process exits first. */
  line(re: RegExp, ms?: number): Promise<string>;
  /** Resolves with how the process ended, or null if it is still running after `ms`. */
  exit(ms?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null } | null>;
}

export function startExample(name: string, args: string[], cwd = ROOT): ExampleProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'examples', `${name}.ts`), ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { err += d; });
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    line(re, ms = 120_000) {
      return new Promise((resolve, reject) => {
        const t0 = Date.now();
        const check = () => {
          const hit = out.split('\n').find((l) => re.test(l));
          if (hit !== undefined) return resolve(hit);
          if (child.exitCode !== null || child.signalCode !== null) return reject(new Error(`${name} exited before printing ${re}:\n${out}\n${err}`));
          if (Date.now() - t0 > ms) return reject(new Error(`${name} printed no ${re} in ${ms} ms:\n${out}\n${err}`));
          setTimeout(check, 20);
        };
        check();
      });
    },
    exit(ms = 10_000) {
      let timer: NodeJS.Timeout | undefined;
      return Promise.race([ended, new Promise<null>((r) => { timer = setTimeout(() => r(null), ms); })]).finally(() => clearTimeout(timer));
    },
  };
}

/** Live (not zombie) processes whose command line contains `text`, as `pid args` lines from ps. */
export function processesWith(text: string): string[] {
  const ps = execFileSync('ps', ['-e', '-o', 'pid=,stat=,args='], { encoding: 'utf8' });
  return ps.split('\n').map((l) => l.trim()).filter((l) => {
    const [, stat] = l.split(/\s+/, 2);
    return l.includes(text) && stat !== undefined && !stat.startsWith('Z') && !l.includes(' ps -e ');
  });
}

/** Waits (up to `ms`, a hang check) for no live process to contain `text`; returns those left. */
export async function goneWithin(text: string, ms = 5000): Promise<string[]> {
  const t0 = Date.now();
  for (;;) {
    const left = processesWith(text);
    if (left.length === 0 || Date.now() - t0 > ms) return left;
    await new Promise((r) => setTimeout(r, 50));
  }
}
