/**
 * Motion-triggered classification: a PIR sensor on GPIO 4 fires, the camera takes a still, the
 * model classifies it, and the LED on GPIO 17 lights while the frame shows one of --alert.
 *
 *   node --import tsx examples/motion-camera.ts                # on a Pi (rpicam-still, real pins)
 *   node --import tsx examples/motion-camera.ts --simulate     # anywhere: simulated PIR, sample frames
 *
 * Ctrl-C stops it: the camera trigger is unwatched, the LED turned off, the pins released.
 */
import { parseArgs } from 'node:util';
import path from 'node:path';
import { camera, cameraSource, gpioOutput, gpioSource, load, run, SimulatedPin, type Classification } from '../src/index.ts';
import { framesCamera, printStats, ROOT, runExample } from './lib/common.ts';

runExample('motion-camera', async () => {
  const { values } = parseArgs({ options: {
    simulate: { type: 'boolean', default: false },
    model: { type: 'string', default: path.join(ROOT, 'models/fashion-mnist') },
    pir: { type: 'string', default: '4' },
    led: { type: 'string', default: '17' },
    alert: { type: 'string', default: 'Sneaker,Sandal,Ankle boot' },
    every: { type: 'string', default: '1500' }, // simulated motion period, ms
  } });
  const alert = new Set(values.alert.split(','));
  // The devices first: a missing camera or pin fails here, before the model is loaded.
  const cam = values.simulate ? await framesCamera() : await camera({ preset: 'rpicam-still', width: 640, height: 480 });
  const led = await gpioOutput<Classification>({ pin: Number(values.led), simulate: values.simulate || 'auto', when: (r) => r.label !== null && alert.has(r.label) });
  const pir = values.simulate ? new SimulatedPin(Number(values.pir), 'in', 'rising') : null;
  const motion = await gpioSource(pir ?? { pin: Number(values.pir), edge: 'rising', debounceMs: 200 });
  // Someone walks past every --every ms. (On a Pi, onoff's interrupt watcher keeps the process alive.)
  const classify = await load(values.model);
  const walker = pir ? setInterval(() => { pir.set(1); pir.set(0); }, Number(values.every)) : null;

  console.log(`watching GPIO ${values.pir} for motion; LED on GPIO ${values.led} for ${[...alert].join(', ')}${values.simulate ? ' (simulated)' : ''}; Ctrl-C to stop`);
  const loop = run({
    source: cameraSource(cam, { trigger: motion }),
    model: classify,
    queue: { policy: 'latest', capacity: 1 },
    sink: async (r: Classification) => {
      await led.write(r);
      console.log(`${new Date().toISOString()}  ${r.label} ${(100 * r.score).toFixed(1)}%  LED ${r.label !== null && alert.has(r.label) ? 'on' : 'off'}  (${r.timings.total.toFixed(1)} ms)`);
    },
    onError: (e) => console.error(`skipped a frame: ${e.code} ${e.message}`),
  });
  const stats = await loop.done.finally(() => { if (walker) clearInterval(walker); });
  await led.close();
  await classify.dispose();
  printStats(stats);
});
