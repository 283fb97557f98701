/**
 * Accuracy of the bundled rain-tomorrow model through edgefn, played as a device would see it:
 * the 2015 daily readings as CSV lines → the line parser → run() with its windows → the model.
 *
 *   npm run eval:rain
 *
 * The figure to compare is metrics.accuracy in models/rain-tomorrow/1.0.0/manifest.json (torch).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lineParser, load, run, type Classification, type WindowClassifier } from '../src/index.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const csv = (await readFile(path.join(ROOT, 'examples/data/seattle-weather-2015.csv'), 'utf8')).trim().split('\n');
const parse = lineParser({ format: 'csv' });
const rows = csv.map((line, i) => parse(line, `line ${i + 1}`)).filter((r) => r !== null);
const rainOn = new Map(rows.map((r) => [r.date as string, (r.precipitation as number) > 0]));
const dates = rows.map((r) => r.date as string);

const model = await load<WindowClassifier>(path.join(ROOT, 'models/rain-tomorrow'));
let correct = 0;
let total = 0;
const confusion: Record<string, number> = {};
async function* readings() {
  yield* rows;
}
const stats = await run({
  source: readings(), model, queue: { policy: 'block' }, handleSignals: false,
  sink: (r: Classification, window) => {
    const last = (window as unknown as { date: string }[]).at(-1)!.date;
    const next = dates[dates.indexOf(last) + 1];
    if (!last.startsWith('2015') || next === undefined) return;
    const truth = rainOn.get(next) ? 'rain' : 'dry';
    total++;
    if (r.label === truth) correct++;
    confusion[`${truth}→${r.label}`] = (confusion[`${truth}→${r.label}`] ?? 0) + 1;
  },
}).done;
await model.dispose();
console.log(`rain-tomorrow through edgefn: ${(100 * correct / total).toFixed(2)} % (${correct}/${total} days of 2015); torch: ${(100 * Number(model.manifest.metrics.accuracy)).toFixed(2)} %`);
console.log('confusion (truth→predicted):', confusion);
console.log('loop:', JSON.stringify({ received: stats.received, processed: stats.processed, buffered: stats.buffered, failed: stats.failed }));
