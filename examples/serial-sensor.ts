/**
 * A weather station on a serial port sends one CSV line a day (date, precipitation, temp_max,
 * temp_min, wind); the rain-tomorrow model reads the last 7 and the LED on GPIO 17 lights when it
 * expects rain.
 *
 *   node --import tsx examples/serial-sensor.ts --port /dev/ttyUSB0 --baud 9600   # a real device
 *   node --import tsx examples/serial-sensor.ts --simulate                          # anywhere
 *
 * --simulate makes a real pseudo-terminal with socat (apt-get install socat) and plays the 2015
 * readings in examples/data/seattle-weather-2015.csv into it at --rate lines a second.
 * Ctrl-C stops it: the port is closed, the LED turned off, socat ended.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { EdgefnError, ErrorCode, gpioOutput, load, run, serialSource, type Classification, type WindowClassifier } from '../src/index.ts';
import { printStats, ROOT, runExample } from './lib/common.ts';

runExample('serial-sensor', async () => {
  const { values } = parseArgs({ options: {
    simulate: { type: 'boolean', default: false },
    port: { type: 'string', default: '/dev/ttyUSB0' },
    baud: { type: 'string', default: '9600' },
    led: { type: 'string', default: '17' },
    rate: { type: 'string', default: '10' },
  } });
  const station = values.simulate ? await simulatedStation(Number(values.rate)) : null;
  try {
    const port = station?.dev ?? values.port;
    const led = await gpioOutput<Classification>({ pin: Number(values.led), simulate: values.simulate || 'auto', when: (r) => r.label === 'rain' });
    const model = await load<WindowClassifier>(path.join(ROOT, 'models/rain-tomorrow'));
    try {
      // The station sends no header line: name the columns.
      const columns = ['date', 'precipitation', 'temp_max', 'temp_min', 'wind'];
      const source = await serialSource({ path: port, baudRate: Number(values.baud), format: 'csv', columns, onStatus: (s, d) => console.log(`[serial ${s}${d ? `: ${d}` : ''}]`) });
      console.log(`reading ${port}; LED on GPIO ${values.led} when rain is expected; Ctrl-C to stop`);
      const loop = run({
        source, model,
        sink: {
          async write(r: Classification, window) {
            await led.write(r);
            const last = (window as unknown as { date?: string }[]).at(-1)?.date ?? '';
            console.log(`${last}  tomorrow: ${r.label} (${(100 * r.score).toFixed(0)}%)  LED ${r.label === 'rain' ? 'on' : 'off'}`);
          },
          close: () => led.close(), // LED off, pin released
        },
        queue: { policy: 'block', capacity: 16 }, // a serial stream: back-pressure, never drop a reading
        onError: (e) => console.error(`skipped: ${e.code} ${e.message}`),
      });
      printStats(await loop.done);
    } finally {
      await model.dispose();
    }
  } finally {
    await station?.stop();
  }
});

/**
 * A socat pseudo-terminal: `dev` is the station's side, opened as a serial port; the readings are
 * written to socat's stdin, a pipe. Nothing here can block: a pipe write that finds no room waits
 * for 'drain' (abortable), never in a pool thread, so Ctrl-C always gets through. socat runs in
 * its own process group (a terminal's Ctrl-C reaches only this process, which ends it in order)
 * and exits by itself when its stdin closes, so it never outlives this process, however it ends
 * (a second Ctrl-C, SIGKILL).
 */
async function simulatedStation(rate: number): Promise<{ dev: string; stop(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'edgefn-station-'));
  const dev = path.join(dir, 'ttyWEATHER');
  const socat = spawn('socat', ['-u', 'STDIN', `pty,raw,echo=0,link=${dev}`], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
  const exited = once(socat, 'exit').catch(() => {});
  process.on('exit', () => socat.kill('SIGKILL'));
  const started = await Promise.race([
    once(socat, 'spawn').then(() => null, (err: Error) => err),
    once(socat, 'error').then(([err]) => err as Error),
  ]);
  if (started) {
    await rm(dir, { recursive: true, force: true });
    throw new EdgefnError(ErrorCode.DEVICE_UNAVAILABLE, `--simulate needs socat (sudo apt-get install socat): ${started.message}`);
  }
  for (let t0 = Date.now(); !existsSync(dev); await sleep(20)) {
    if (Date.now() - t0 > 5000 || socat.exitCode !== null) throw new EdgefnError(ErrorCode.DEVICE_UNAVAILABLE, 'socat did not make the pseudo-terminal');
  }
  const playing = new AbortController();
  const { signal } = playing;
  socat.stdin.on('error', (err) => { if (!signal.aborted) console.error(`[station] ${err.message}`); playing.abort(); });
  const lines = (await readFile(path.join(ROOT, 'examples/data/seattle-weather-2015.csv'), 'utf8')).trim().split('\n').slice(1);
  const played = (async () => {
    await sleep(500, undefined, { signal }); // the reader opens its end first
    for (const line of lines) {
      if (!socat.stdin.write(`${line}\n`)) await once(socat.stdin, 'drain', { signal });
      await sleep(1000 / rate, undefined, { signal });
    }
  })().catch((err: unknown) => { if (!signal.aborted) throw err; });
  return {
    dev,
    async stop() {
      playing.abort();
      await played;
      socat.stdin.destroy();
      if (socat.exitCode === null && socat.signalCode === null) socat.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
