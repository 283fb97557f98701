/**
 * Readings take own properties only (issue 13 #14): a field inherited from a polluted
 * Object.prototype or Array.prototype never fills a missing one. Its own file: it changes
 * process-wide prototypes (restored after each test).
 */
import { test } from 'uvu';
import { load, ErrorCode, type WindowClassifier } from '../src/index.ts';
import { parseManifest } from '../src/manifest/index.ts';
import { readingValues } from '../src/preprocess/features.ts';
import { RAIN, rejectsWith } from './helpers/index.ts';

const partial = { precipitation: 0, temp_max: 11.1, temp_min: 4.4 }; // no wind

test('Object.prototype.wind = 5 does not fill a reading without wind', async () => {
  const rain = await load<WindowClassifier>(RAIN);
  const proto = Object.prototype as Record<string, unknown>;
  proto.wind = 5;
  try {
    await rejectsWith(() => rain(Array.from({ length: 7 }, () => ({ ...partial }))), ErrorCode.INPUT_INVALID, /^input\[0\]\.wind is missing$/);
  } finally {
    delete proto.wind;
    await rain.dispose();
  }
});

test('Array.prototype[1] = 5 does not fill a hole in a reading given as values', async () => {
  const proto = Array.prototype as unknown as Record<number, unknown>;
  proto[1] = 5;
  try {
    // eslint-disable-next-line no-sparse-arrays
    await rejectsWith(() => readingValues([1, , 3], ['a', 'b', 'c'], 'r'), ErrorCode.INPUT_INVALID, /^r\[1\] \(b\) is missing$/);
  } finally {
    delete proto[1];
  }
});

test('a model without a window: an inherited field is missing too', async () => {
  const manifest = parseManifest({
    manifestVersion: 1, name: 't', version: '1.0.0', task: 'tabular-classification', format: 'onnx', model: { file: 'm.onnx' }, labels: ['a', 'b'],
    input: { name: 'x', shape: [-1, 2], features: ['t', 'h'] }, output: { name: 'y', kind: 'logits' },
  });
  const features = manifest.input.kind === 'tabular' ? manifest.input.features : [];
  const proto = Object.prototype as Record<string, unknown>;
  proto.h = 1;
  try {
    await rejectsWith(() => readingValues({ t: 1 }, features, 'input'), ErrorCode.INPUT_INVALID, /^input\.h is missing$/);
  } finally {
    delete proto.h;
  }
});

test.run();
