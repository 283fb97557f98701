/** The gate report's permutation importance: for readings models, on the golden items; null for images. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { verify } from '../src/index.ts';
import { BUNDLED_VERSION, RAIN_VERSION } from './helpers/index.ts';

test('a readings version: the report ranks its features by permutation importance on the golden items', async () => {
  const report = await verify(RAIN_VERSION, { settleMs: 0, isolate: 'none' });
  assert.is(report.verdict, 'accepted');
  const imp = report.importance!;
  assert.ok(imp, 'importance in the report');
  assert.equal(imp.features.map((f) => f.feature).sort(), ['precipitation', 'temp_max', 'temp_min', 'wind']);
  const values = imp.features.map((f) => f.importance);
  assert.equal(values, [...values].sort((a, b) => b - a), 'sorted, most important first');
  // Rain tomorrow hangs on today's rain and heat more than on anything else (see the explanation tests).
  assert.ok(['precipitation', 'temp_max'].includes(imp.features[0]!.feature), imp.features[0]!.feature);
  assert.ok(imp.features[0]!.importance > 0);
});

test('an image version: no importance (null), the rest of the report as before', async () => {
  const report = await verify(BUNDLED_VERSION, { settleMs: 0, isolate: 'none' });
  assert.is(report.verdict, 'accepted');
  assert.is(report.importance, null);
});

test.run();
