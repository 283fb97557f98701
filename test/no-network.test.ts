/**
 * Nothing touches the network at run time: loading (main thread, worker thread, child process),
 * classifying, opening a store, swapping to a second version, running a loop and holding models
 * loaded open no socket but local (AF_UNIX) ones: the pairs edgefn uses to talk to its own session
 * hosts, and local IPC of the tools around it. Every socket(), connect(), bind() and send of the
 * process and of every process it starts is traced with strace; a control run that fetches
 * http://127.0.0.1:8123 and connects to 127.0.0.1:9 shows the trace would see it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT } from './helpers/index.ts';

const CHILD = path.join(ROOT, 'test/helpers/campaign-no-network-child.ts');

function straceMissing(): string | null {
  try {
    execFileSync('strace', ['-f', '-e', 'trace=network', '-o', '/dev/null', 'true'], { stdio: 'pipe' });
    return null;
  } catch (err) {
    const e = err as { code?: string; stderr?: Buffer };
    return e.code === 'ENOENT'
      ? 'strace is not installed: apt-get install -y strace (scripts/test-deps.sh installs it)'
      : `strace cannot trace here (${String(e.stderr ?? err).trim()}): the container needs CAP_SYS_PTRACE`;
  }
}

/** The network syscalls of the child and every process it starts, one string per call. */
function trace(args: string[]): { calls: string[]; stdout: string } {
  const missing = straceMissing();
  if (missing) assert.unreachable(missing);
  const dir = mkdtempSync(path.join(tmpdir(), 'edgefn-nonet-'));
  const out = path.join(dir, 'trace');
  // The child inherits no ORT_DISABLE_TELEMETRY or the like from whoever runs the tests: edgefn must do it itself.
  const env = { ...process.env };
  delete env.ORT_DISABLE_TELEMETRY;
  const r = spawnSync('strace', ['-f', '-qq', '-e', 'trace=network', '-o', out, process.execPath, '--import', 'tsx', CHILD, ...args], { cwd: ROOT, env, encoding: 'utf8', timeout: 180_000 });
  assert.is(r.status, 0, `child failed: ${r.stderr}`);
  const calls = readFileSync(out, 'utf8').split('\n').filter(Boolean);
  rmSync(dir, { recursive: true, force: true });
  return { calls, stdout: r.stdout };
}

/** Calls that open or use a socket of a family other than AF_UNIX (AF_INET, AF_INET6, AF_NETLINK, AF_PACKET ...). */
function nonLocal(calls: string[]): string[] {
  return calls.filter((c) => /\bAF_(?!UNIX\b|LOCAL\b)[A-Z0-9]+/.test(c) && /\b(socket|connect|bind|sendto|sendmsg|sendmmsg|recvfrom)\(/.test(c));
}

test('loading, classifying, a store, a swap, a loop and held models open no socket but local ones', () => {
  const { calls, stdout } = trace([]);
  assert.match(stdout, /"store open\+activate","loop","held models/);
  // The trace saw the local pairs to the session hosts: it was tracing, and following children.
  assert.ok(calls.some((c) => /socketpair\(AF_UNIX/.test(c)), 'no socketpair traced');
  assert.equal(nonLocal(calls), []);
});

test('control: the same trace sees a fetch of http://127.0.0.1:8123 and a connect to 127.0.0.1:9', () => {
  const { calls, stdout } = trace(['--quick', '--control']);
  assert.match(stdout, /control fetch/);
  const seen = nonLocal(calls);
  assert.ok(seen.some((c) => /socket\(AF_INET/.test(c)), seen.join('\n'));
  for (const port of [8123, 9]) {
    const connect = new RegExp(`connect\\(\\d+, \\{sa_family=AF_INET, sin_port=htons\\(${port}\\), sin_addr=inet_addr\\("127\\.0\\.0\\.1"\\)`);
    assert.ok(seen.some((c) => connect.test(c)), `no connect to port ${port} in:\n${seen.join('\n')}`);
  }
});

test.run();
