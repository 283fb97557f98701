/**
 * Lays out the reference samples the bundled models' drift profiles are made from:
 *
 *   node --import tsx scripts/prepare-drift-data.ts [--out DIR] [--images 2000]
 *   node --import tsx src/cli/main.ts models profile models/fashion-mnist/1.0.0 --data DIR/fashion-mnist-train-every-30th
 *   node --import tsx src/cli/main.ts models profile models/rain-tomorrow/1.0.0 --data DIR/seattle-weather-2012-2014.csv
 *
 * - fashion-mnist-train-every-30th/: every 30th image of the Fashion-MNIST training set (2,000 of 60,000) as
 *   PNGs, the way a camera would hand them over. Needs Debian's dataset-fashion-mnist.
 * - seattle-weather-2012-2014.csv: the rain-tomorrow model's training years (the years it was
 *   fitted on; 2015 is its test year and the drift measurement's stream). Needs Debian's
 *   python3-vega-datasets (the file tools/train_rain_tomorrow.py reads).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import sharp from 'sharp';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: '/tmp/edgefn-drift-reference' },
    images: { type: 'string', default: '2000' },
    fashion: { type: 'string', default: '/usr/share/datasets/fashion-mnist' },
    seattle: { type: 'string', default: '/usr/lib/python3/dist-packages/vega_datasets/_data/seattle-weather.csv' },
  },
});

const out = values.out!;
const count = Number(values.images);
const imagesDir = path.join(out, `fashion-mnist-train-every-${Math.floor(60000 / count)}th`);
await mkdir(imagesDir, { recursive: true });
const buf = gunzipSync(await readFile(path.join(values.fashion!, 'train-images-idx3-ubyte.gz')));
const [n, h, w] = [buf.readUInt32BE(4), buf.readUInt32BE(8), buf.readUInt32BE(12)];
const pixels = buf.subarray(16);
const stride = Math.floor(n / count);
for (let k = 0; k < count; k++) {
  const i = k * stride;
  const png = await sharp(pixels.subarray(i * h * w, (i + 1) * h * w), { raw: { width: w, height: h, channels: 1 } }).png().toBuffer();
  await writeFile(path.join(imagesDir, `train-${String(i).padStart(5, '0')}.png`), png);
}
console.log(`${imagesDir}: ${count} training images (every ${stride}th of ${n})`);

const lines = (await readFile(values.seattle!, 'utf8')).split(/\r?\n/).filter((l) => l.trim().length > 0);
const header = lines[0]!.split(',');
const keep = ['date', 'precipitation', 'temp_max', 'temp_min', 'wind'].map((c) => header.indexOf(c));
const rows = lines.slice(1).filter((l) => /^201[234]/.test(l)).map((l) => { const cells = l.split(','); return keep.map((i) => cells[i]).join(','); });
const csv = path.join(out, 'seattle-weather-2012-2014.csv');
await writeFile(csv, `${keep.map((i) => header[i]).join(',')}\n${rows.join('\n')}\n`);
console.log(`${csv}: ${rows.length} daily readings (2012-2014, the training years)`);
