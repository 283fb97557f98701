/**
 * A weather station on a serial port sends one CSV line a day (date, precipitation, temp_max,
 * temp_min, wind); the rain-tomorrow model reads the last 7 and the LED on GPIO 17 lights when it
 * expects rain.
 *
 *   node --import tsx examples/serial-sensor.ts --port /dev/ttyUSB0 --baud 9600   # a real device
 *   node --import tsx examples/serial-sensor.ts --simulate                          # anywhere
 *
 * --simulate makes a real pseudo-terminal pair with socat (apt-get install socat) and plays the
 * 2015 readings in examples/data/seattle-weather-2015.csv into it at --rate lines a second.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { gpioOutput, load, run, serialSource, type Classification, type WindowClassifier } from '../src/index.ts';
import { printStats, ROOT } from './lib/common.ts';

const { values } = parseArgs({ options: {
  simulate: { type: 'boolean', default: false },
  port: { type: 'string', default: '/dev/ttyUSB0' },
  baud: { type: 'string', default: '9600' },
  led: { type: 'string', default: '17' },
  rate: { type: 'string', default: '10' },
} });

let port = values.port;
if (values.simulate) port = await simulatedStation(Number(values.rate));

const model = await load<WindowClassifier>(path.join(ROOT, 'models/rain-tomorrow'));
const led = await gpioOutput<Classification>({ pin: Number(values.led), simulate: values.simulate || 'auto', when: (r) => r.label === 'rain' });
// The station sends no header line: name the columns.
const columns = ['date', 'precipitation', 'temp_max', 'temp_min', 'wind'];
const source = await serialSource({ path: port, baudRate: Number(values.baud), format: 'csv', columns, onStatus: (s, d) => console.log(`[serial ${s}${d ? `: ${d}` : ''}]`) });
console.log(`reading ${port}; LED on GPIO ${values.led} when rain is expected; Ctrl-C to stop`);
const loop = run({
  source, model,
  sink: async (r: Classification, window) => {
    await led.write(r);
    const last = (window as unknown as { date?: string }[]).at(-1)?.date ?? '';
    console.log(`${last}  tomorrow: ${r.label} (${(100 * r.score).toFixed(0)}%)  LED ${r.label === 'rain' ? 'on' : 'off'}`);
  },
  queue: { policy: 'block', capacity: 16 }, // a serial stream: back-pressure, never drop a reading
  onError: (e) => console.error(`skipped: ${e.code} ${e.message}`),
});
const stats = await loop.done;
await led.close();
await model.dispose();
printStats(stats);

/** A socat pty pair; a writer plays the CSV into one end; returns the other end's path. */
async function simulatedStation(rate: number): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'edgefn-station-'));
  const dev = path.join(dir, 'ttyWEATHER');
  const host = path.join(dir, 'station');
  const socat = spawn('socat', [`pty,raw,echo=0,link=${dev}`, `pty,raw,echo=0,link=${host}`], { stdio: 'ignore' });
  socat.on('error', () => { console.error('--simulate needs socat: sudo apt-get install socat'); process.exit(1); });
  process.on('exit', () => socat.kill());
  while (!existsSync(dev) || !existsSync(host)) await new Promise((r) => setTimeout(r, 20));
  const lines = (await readFile(path.join(ROOT, 'examples/data/seattle-weather-2015.csv'), 'utf8')).trim().split('\n').slice(1);
  const writer = await open(host, 'w');
  void (async () => {
    await new Promise((r) => setTimeout(r, 500)); // the reader opens its end first
    for (const line of lines) {
      await writer.write(`${line}\n`);
      await new Promise((r) => setTimeout(r, 1000 / rate));
    }
  })().catch(() => {}); // the pty closes when the example stops
  return dev;
}
