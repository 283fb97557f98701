/** The baselines' arithmetic (src/store/baselines.ts): majority class, prior-weighted guess, lift, minLift. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { liftOver, liftShortfall, majorityClass, priorGuess, simpleBaselines, type BaselineScore } from '../src/store/baselines.ts';

test('majority class: the most common golden label and its share; the first seen wins a tie', () => {
  assert.equal(majorityClass(['a', 'b', 'a', 'a']), { label: 'a', accuracy: 0.75 });
  assert.equal(majorityClass(['b', 'a', 'a', 'b', 'c']), { label: 'b', accuracy: 0.4 });
  assert.throws(() => majorityClass([]), /no labels/);
});

test('prior-weighted guess: the chance a guess drawn from the label frequencies is right, Σ p_i²', () => {
  assert.is(priorGuess(['a', 'a', 'a', 'b']), 0.75 ** 2 + 0.25 ** 2);
  assert.ok(Math.abs(priorGuess(Array.from({ length: 100 }, (_, i) => String(i % 10))) - 0.1) < 1e-12, 'ten balanced classes: 10 %');
  assert.is(priorGuess(['x', 'x']), 1);
});

test('simpleBaselines names the majority label and lists the prior-weighted guess', () => {
  assert.equal(simpleBaselines(['Trouser', 'Trouser', 'Bag']), [
    { name: 'majority class (always "Trouser")', kind: 'majority', accuracy: 2 / 3 },
    { name: 'prior-weighted guess', kind: 'prior', accuracy: (2 / 3) ** 2 + (1 / 3) ** 2 },
  ]);
});

const list: BaselineScore[] = [
  { name: 'majority class (always "a")', kind: 'majority', accuracy: 0.3 },
  { name: 'prior-weighted guess', kind: 'prior', accuracy: 0.2 },
  { name: '1.0.0', kind: 'previous', accuracy: 0.95 },
  { name: 'baselines/linear', kind: 'model', accuracy: 0.83 },
];

test('lift is over the best majority, prior or model baseline, never the previous version', () => {
  const lift = liftOver(0.93, list)!;
  assert.is(lift.over.name, 'baselines/linear');
  assert.ok(Math.abs(lift.value - 0.1) < 1e-12);
  // A version below the active one still has a lift over the simple baselines (accuracyMargin judges the rest).
  assert.is(liftOver(0.5, list.slice(0, 3))!.over.kind, 'majority');
  assert.is(liftOver(0.5, [list[2]!]), null);
  assert.ok(liftOver(0.1, list)!.value < 0, 'a candidate below its best baseline has a negative lift');
});

test('minLift: none set or met is no shortfall; one missed names the baseline and both figures', () => {
  const lift = liftOver(0.93, list);
  assert.is(liftShortfall(0.93, lift, undefined), null);
  assert.is(liftShortfall(0.93, lift, 0.05), null);
  // 0.93 - 0.83 is 0.0999... in floating point: a lift of exactly minLift passes.
  assert.is(liftShortfall(0.93, lift, 0.1), null);
  assert.is(liftShortfall(0.93, lift, 0.15), 'golden-set accuracy 93.0 % does not beat the best baseline, baselines/linear at 83.0 %, by minLift 15.0 points (lift +10.0 points)');
  assert.is(liftShortfall(0.7, liftOver(0.7, [list[0]!, { ...list[0]!, accuracy: 0.7 }]), 0.01), 'golden-set accuracy 70.0 % does not beat the best baseline, majority class (always "a") at 70.0 %, by minLift 1.0 points (lift +0.0 points)');
  assert.is(liftShortfall(0.5, null, 0.2), null, 'no baseline to compare with: nothing to fall short of');
});

test.run();
