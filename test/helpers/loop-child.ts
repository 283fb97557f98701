/** A loop in its own process, stopped by SIGINT from test/loop.test.ts. Prints its final stats. */
import { run } from '../../src/index.ts';

const state = { ended: false };
async function* ticks() {
  try {
    for (let i = 0; ; i++) {
      await new Promise((r) => setTimeout(r, 5));
      yield i;
    }
  } finally {
    state.ended = true;
  }
}
const loop = run({ source: ticks(), model: async (x: number) => x, queue: { policy: 'block' } });
console.log('running');
const stats = await loop.done;
console.log(JSON.stringify({ stats, ended: state.ended }));
