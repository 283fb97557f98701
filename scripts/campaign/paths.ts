/** Where the campaign finds the bundled models and their known answers. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const IMAGE_DIR = path.join(ROOT, 'models/fashion-mnist');
export const IMAGE_VERSION = path.join(IMAGE_DIR, '1.0.0');
export const TFJS_VERSION = path.join(ROOT, 'models/fashion-mnist-tfjs/1.0.0');
export const TEACHABLE = path.join(ROOT, 'test/fixtures/teachable-machine');
export const RAIN_DIR = path.join(ROOT, 'models/rain-tomorrow');
export const RAIN_VERSION = path.join(RAIN_DIR, '1.0.0');
export const GOLDEN_IMAGE = path.join(IMAGE_VERSION, 'golden/00009.png');
export const GOLDEN_IMAGE_LABEL = 'Sneaker';

type Reading = Record<string, number>;
const rainItems = (JSON.parse(readFileSync(path.join(RAIN_VERSION, 'golden/index.json'), 'utf8')) as { items: { input: Reading[]; label: string }[] }).items;
/** The first golden window of rain-tomorrow and its label. */
export const rainGolden = rainItems[0]!;
/** A valid window to start damaged ones from (a deep copy each time). */
export const rainWindow = (i = 0): Reading[] => structuredClone(rainItems[i % rainItems.length]!.input);
export const RAIN_FEATURES = ['precipitation', 'temp_max', 'temp_min', 'wind'] as const;
