/**
 * Sources and sinks on real parts: a serial port made by socat (garbled lines, NaN, unplug and
 * replug), GPIO numbering on fake sysfs trees of a Pi 4 and a Pi 5 and the simulated pin (no GPIO
 * here), a camera command (a script standing in for rpicam-still), a watched folder, JSON lines.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { chmod, copyFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  ErrorCode, camera, cameraSource, lineParser, folderSource, gpioOutput, gpioSource, jsonLinesSink, listSerialPorts, load, openPin,
  readChips, run, serialSource, sysfsNumber, SimulatedPin, type Classification, type WindowClassifier,
} from '../src/index.ts';
import { BUNDLED, RAIN, golden, photo, rejectsWith, removeDir, tempDir } from './helpers/index.ts';
import { PtyPair } from './helpers/socat.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > ms) assert.unreachable(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

test('serial over a real pty (socat): CSV readings into a windowed model; a garbled line and a NaN are counted; unplug and replug', async () => {
  const dir = await tempDir();
  const pair = new PtyPair(dir);
  await pair.start();
  const model = await load<WindowClassifier>(RAIN);
  const statuses: string[] = [];
  try {
    const source = await serialSource({ path: pair.dev, baudRate: 115200, reconnectMs: 50, onStatus: (s) => statuses.push(s) });
    const results: Classification[] = [];
    const errors: string[] = [];
    const loop = run({ source, model, queue: { policy: 'block' }, handleSignals: false, sink: (r) => { results.push(r); }, onError: (e) => errors.push(`${e.code} ${e.message}`) });
    const day = (i: number) => `2015/01/${String(i + 1).padStart(2, '0')},${i % 2 ? 3.1 : 0},${9 + (i % 4)},${3 + (i % 3)},${2 + i / 10}\n`;
    await pair.send('date,precipitation,temp_max,temp_min,wind\n');
    for (let i = 0; i < 10; i++) await pair.send(day(i));
    await pair.send('2015/01/11,0,#$%\n'); // garbled: 3 fields
    await pair.send('2015/01/12,nan,10,4,3\n'); // a sensor that printed nan
    await until('10 readings', () => loop.stats.received === 12);
    await until('4 results', () => results.length === 4);

    await pair.kill(); // unplug
    await until('the port to close', () => statuses.includes('closed'));
    await sleep(120); // a few failed reopen attempts
    await pair.start(); // replug: a new terminal at the same path
    await until('the port to reopen', () => statuses.filter((s) => s === 'open').length === 2);
    await pair.send('date,precipitation,temp_max,temp_min,wind\n');
    for (let i = 0; i < 3; i++) await pair.send(day(i));
    await until('3 more results', () => results.length === 7);

    const stats = await loop.stop();
    assert.equal([stats.received, stats.processed, stats.failed, stats.buffered], [15, 7, 2, 6]);
    assert.equal(stats.failedBy, { EDGEFN_INPUT_UNDECODABLE: 1, EDGEFN_INPUT_INVALID: 1 });
    assert.match(errors[0]!, /^EDGEFN_INPUT_UNDECODABLE .*ttyEDGE0 line 12: 3 fields where the header has 5: "2015\/01\/11,0,#\$%"$/);
    assert.match(errors[1]!, /^EDGEFN_INPUT_INVALID item 11\.precipitation is NaN$/);
    assert.ok(results.every((r) => r.label === 'dry' || r.label === 'rain'));
    assert.ok(statuses.includes('retrying'), statuses.join(','));
    assert.is(statuses.at(-1), 'closed');
  } finally {
    await pair.kill();
    await model.dispose();
    await removeDir(dir);
  }
});

test('line parsing: CSV with a header (repeated on restart), JSON lines, key=value; garbled lines named', async () => {
  const csv = lineParser({ format: 'csv' });
  assert.is(csv('t,h\r', 'l1'), null);
  assert.equal(csv('21.5,40', 'l2'), { t: 21.5, h: 40 });
  assert.is(csv('t,h', 'l3'), null); // the device restarted and sent its header again
  assert.equal(csv('nan,-1e3', 'l4'), { t: NaN, h: -1000 });
  await rejectsWith(() => csv('21.5', 'l5'), ErrorCode.INPUT_UNDECODABLE, 'l5: 1 fields where the header has 2: "21.5"');
  await rejectsWith(() => lineParser({ format: 'csv' })('21.5,40', 'l1'), ErrorCode.INPUT_UNDECODABLE, /no CSV header line yet \(give the columns option/);
  assert.equal(lineParser({ format: 'csv', columns: ['a', 'b'], delimiter: ';' })('1;x', 'l1'), { a: 1, b: 'x' });
  const json = lineParser({ format: 'json' });
  assert.equal(json('{"t": 1.5}', 'l1'), { t: 1.5 });
  await rejectsWith(() => json('{"t": 1.5', 'l2'), ErrorCode.INPUT_UNDECODABLE, /^l2: not valid JSON/);
  await rejectsWith(() => json('[1]', 'l3'), ErrorCode.INPUT_UNDECODABLE, /^l3: not a JSON object/);
  const kv = lineParser({ format: 'kv' });
  assert.equal(kv('t=21.5 h=40', 'l1'), { t: 21.5, h: 40 });
  await rejectsWith(() => kv('t=21.5 oops', 'l2'), ErrorCode.INPUT_UNDECODABLE, /"oops" is not key=value/);
  assert.is(kv('   ', 'l3'), null);
});

test('serial: a missing device is DEVICE_UNAVAILABLE at start; bad options name the field', async () => {
  await rejectsWith(() => serialSource({ path: '/dev/ttyEDGEFN-none' }), ErrorCode.DEVICE_UNAVAILABLE, /^Cannot open serial port \/dev\/ttyEDGEFN-none: /);
  await rejectsWith(() => serialSource({ path: '/dev/x', format: 'xml' as any }), ErrorCode.INVALID_ARGUMENT, /Expected one of csv, json, kv for format but received "xml"/);
  await rejectsWith(() => serialSource({ path: '/dev/x', baud: 9600 } as any), ErrorCode.INVALID_ARGUMENT, /for option name but received "baud"/);
});

test('listing serial ports never crashes without udevadm: /dev is read by name instead', async () => {
  const dev = await tempDir();
  try {
    for (const n of ['ttyUSB0', 'ttyACM1', 'ttyAMA0', 'null', 'tty1']) await writeFile(path.join(dev, n), '');
    const ports = await listSerialPorts(dev);
    let hasUdevadm = true;
    try {
      execFileSync('udevadm', ['--version'], { stdio: 'ignore' });
    } catch {
      hasUdevadm = false;
    }
    if (hasUdevadm) assert.ok(Array.isArray(ports));
    else assert.equal(ports.map((p) => p.path), ['ttyACM1', 'ttyAMA0', 'ttyUSB0'].map((n) => path.join(dev, n)));
  } finally {
    await removeDir(dev);
  }
});

/** A fake /sys with the gpiochips a board's kernel shows. */
async function fakeSysfs(chips: [string, number, number][]): Promise<string> {
  const root = await tempDir();
  for (const [label, base, ngpio] of chips) {
    const d = path.join(root, 'class/gpio', `gpiochip${base}`);
    await mkdir(d, { recursive: true });
    await writeFile(path.join(d, 'label'), `${label}\n`);
    await writeFile(path.join(d, 'base'), `${base}\n`);
    await writeFile(path.join(d, 'ngpio'), `${ngpio}\n`);
  }
  return root;
}

test('GPIO numbering: BCM 17 on a Pi 4 (Bookworm and Bullseye) and a Pi 5, read from sysfs trees', async () => {
  const boards: [string, [string, number, number][], number][] = [
    ['Pi 4, kernel 6.x (Bookworm)', [['pinctrl-bcm2711', 512, 58], ['raspberrypi-exp-gpio', 570, 8]], 529],
    ['Pi 4, kernel 5.x (Bullseye)', [['pinctrl-bcm2711', 0, 58], ['raspberrypi-exp-gpio', 504, 8]], 17],
    ['Pi 5', [['gpio-brcmstb@107d508500', 512, 32], ['gpio-brcmstb@107d508520', 544, 4], ['gpio-brcmstb@107d517c00', 548, 17], ['gpio-brcmstb@107d517c20', 565, 6], ['pinctrl-rp1', 571, 54]], 588],
    ['Pi 3', [['pinctrl-bcm2835', 512, 54]], 529],
  ];
  for (const [board, chips, want] of boards) {
    const root = await fakeSysfs(chips);
    try {
      const read = await readChips(root);
      assert.is(read.length, chips.length, board);
      assert.is(sysfsNumber(read, 17), want, board);
    } finally {
      await removeDir(root);
    }
  }
  await rejectsWith(() => sysfsNumber([{ label: 'gpio-mockup-A', base: 0, ngpio: 8 }], 17), ErrorCode.DEVICE_UNAVAILABLE, /No GPIO chip labelled pinctrl-rp1 or pinctrl-bcm2711 or pinctrl-bcm2835 in sysfs \(found: gpio-mockup-A \(base 0\)\)/);
  assert.is(sysfsNumber([{ label: 'gpio-mockup-A', base: 100, ngpio: 32 }], 17, 'gpio-mockup-A'), 117);
  await rejectsWith(() => sysfsNumber([{ label: 'pinctrl-rp1', base: 571, ngpio: 54 }], 60), ErrorCode.DEVICE_UNAVAILABLE, /GPIO 60 is beyond pinctrl-rp1's 54 lines/);
});

test('GPIO here (no /sys/class/gpio): auto gives a simulated pin with a warning; simulate:false is DEVICE_UNAVAILABLE', async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error & { code?: string }) => warnings.push(String(w.code));
  process.on('warning', onWarning);
  try {
    const pin = await openPin({ pin: 17 });
    assert.ok(pin instanceof SimulatedPin);
    assert.is(pin.simulated, true);
    await sleep(0);
    assert.equal(warnings, ['EDGEFN_GPIO_SIMULATED']);
    await rejectsWith(() => openPin({ pin: 17, simulate: false }), ErrorCode.DEVICE_UNAVAILABLE, /GPIO is not accessible here/);
    await rejectsWith(() => openPin({ pin: -1 }), ErrorCode.INVALID_ARGUMENT, /for pin/);
  } finally {
    process.off('warning', onWarning);
  }
});

/** A stand-in for rpicam-still: writes a JPEG to stdout, or fails, or writes garbage, per its mode file. */
async function fakeCamera(dir: string): Promise<{ command: string; mode: (m: 'ok' | 'fail' | 'garbage') => Promise<void> }> {
  const command = path.join(dir, 'fake-rpicam-still');
  const modeFile = path.join(dir, 'mode');
  await writeFile(command, `#!/bin/sh
case "$(cat '${modeFile}')" in
  ok) cat '${golden('00000.png')}' ;;
  fail) echo "ERROR: *** no cameras available ***" >&2; exit 1 ;;
  garbage) printf 'not a jpeg' ;;
esac
`);
  await chmod(command, 0o755);
  return { command, mode: (m) => writeFile(modeFile, m) };
}

test('camera: a missing command fails at start; frames on a trigger from a (simulated) PIR pin; failures counted; LED answers', async () => {
  const dir = await tempDir();
  const model = await load(BUNDLED);
  try {
    await rejectsWith(() => camera({ preset: 'rpicam-still' }), ErrorCode.DEVICE_UNAVAILABLE, /^Camera command rpicam-still not found on PATH/);
    await rejectsWith(() => camera({ command: path.join(dir, 'nope') }), ErrorCode.DEVICE_UNAVAILABLE, /not found/);
    const fake = await fakeCamera(dir);
    await fake.mode('ok');
    const cam = await camera({ command: fake.command });
    assert.ok((await cam.capture()).length > 0);

    const pir = new SimulatedPin(4, 'in', 'rising');
    const led = await gpioOutput<Classification>({ pin: 27, simulate: true, when: (r) => r.label === 'Ankle boot' || r.label === 'Trouser' });
    const motion = await gpioSource(pir);
    const loop = run({ source: cameraSource(cam, { trigger: motion }), model, sink: led, queue: { policy: 'latest', capacity: 1 }, handleSignals: false });
    const trigger = async () => {
      pir.set(1);
      pir.set(0);
    };
    await trigger();
    await until('a frame', () => loop.stats.processed === 1);
    await fake.mode('fail');
    await trigger();
    await until('a failed capture', () => loop.stats.failed === 1);
    await fake.mode('garbage');
    await trigger();
    await until('an undecodable frame', () => loop.stats.failed === 2);
    await fake.mode('ok');
    await trigger();
    await until('a second frame', () => loop.stats.processed === 2);
    const stats = await loop.stop();
    assert.equal(stats.failedBy, { EDGEFN_DEVICE_FAILED: 1, EDGEFN_INPUT_UNDECODABLE: 1 });
    assert.is(stats.received, 4);
    // golden 00000.png is an ankle boot: the LED went on, and off when the loop stopped.
    const ledPin = led.pin as SimulatedPin;
    assert.equal(ledPin.writes, [1, 0]);
  } finally {
    await model.dispose();
    await removeDir(dir);
  }
});

test('folder: existing images, then each new one, into a JSON-lines file; a corrupt file is counted', async () => {
  const dir = await tempDir();
  const inbox = path.join(dir, 'inbox');
  await mkdir(inbox);
  const out = path.join(dir, 'results.jsonl');
  const model = await load(BUNDLED);
  try {
    await copyFile(golden('00000.png'), path.join(inbox, 'a.png'));
    await writeFile(path.join(inbox, 'notes.txt'), 'ignored');
    const source = await folderSource(inbox, { settleMs: 50 });
    const loop = run({ source, model, sink: jsonLinesSink(out), handleSignals: false, queue: { policy: 'block' } });
    await until('the existing image', () => loop.stats.processed === 1);
    // A new file arriving the safe way: written beside, renamed in.
    await copyFile(photo('chelsea.jpg'), path.join(dir, 'b.jpg.tmp'));
    await rename(path.join(dir, 'b.jpg.tmp'), path.join(inbox, 'b.jpg'));
    await writeFile(path.join(inbox, 'c.jpg'), Buffer.from('broken jpeg'));
    await until('two more files', () => loop.stats.processed + loop.stats.failed === 3);
    const stats = await loop.stop();
    assert.equal([stats.received, stats.processed, stats.failed], [3, 2, 1]);
    assert.equal(stats.failedBy, { EDGEFN_INPUT_UNDECODABLE: 1 });
    const lines = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.map((l) => path.basename(l.input)), ['a.png', 'b.jpg']);
    assert.is(lines[0].label, 'Ankle boot');
    assert.equal(Object.keys(lines[0]).sort(), ['input', 'label', 'model', 'score', 'time', 'timings', 'top', 'unknown']);
  } finally {
    await model.dispose();
    await removeDir(dir);
  }
});

test.run();
