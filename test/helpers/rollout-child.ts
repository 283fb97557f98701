/**
 * Child process for the rollout kill test: opens the store (a fresh process must find one
 * complete active version and resume the recorded rollout), reports it, then calls the model in
 * a loop while versions keep arriving: good ones (promoted by the canary policy) and, every third,
 * a worse one (labels rotated: rejected by it). Each event is printed after it is durable.
 * Killed with SIGKILL at a random moment.
 *
 *   node --import tsx test/helpers/rollout-child.ts <nameDir>
 */
import { open } from '../../src/index.ts';
import { listVersionDirs } from '../../src/model/folder.ts';
import { INPUTS, stageEdited } from './rollout-kit.ts';

const [nameDir] = process.argv.slice(2) as [string];
const say = (line: string) => process.stdout.write(`${line}\n`);

/** The next version, renamed in whole (as an OTA agent would); every third one worse. */
async function install(): Promise<void> {
  const top = (await listVersionDirs(nameDir))[0]!;
  const minor = Number(top.split('.')[1]) + 1;
  const version = `1.${minor}.0`;
  say(`INSTALL ${version}`);
  await stageEdited(nameDir, version, { permuted: minor % 3 === 0, light: true });
}

try {
  const model = await open(nameDir, { settleMs: 0, isolate: 'none', keep: 3, accuracyMargin: 1, rollout: { mode: 'canary', steps: [0.5, 1], minCalls: 40 } });
  const r = model.rollout();
  const first = await model(INPUTS[0]!);
  say(`READY ${model.version} ${r?.version ?? '-'} ${r?.figures.calls ?? 0} ${first.model.version === model.version || first.model.version === r?.version ? 'ok' : 'wrong'}`);
  model.on('rollout', (e) => say(`ROLLOUT ${e.phase} ${e.status.version}`));
  model.on('promoted', (e) => say(`PROMOTED ${e.version}`));
  model.on('rejected', (e) => say(`REJECTED ${e.version} ${e.code}`));
  for (let i = 1; ; i++) {
    await model(INPUTS[i % INPUTS.length]!);
    if (i % 25 === 0 && !model.rollout()) {
      await model.scan();
      if (!model.rollout()) {
        await install();
        await model.scan();
      }
    }
  }
} catch (err) {
  say(`FAIL ${(err as Error).stack}`);
  process.exit(1);
}
