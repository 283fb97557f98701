/**
 * What `npm pack` ships, from a tree in the state of a fresh clone (sources, no dist/) with a
 * model store's local state planted in it: prepack must build a clean dist/, the store's state,
 * reports, locks and temp files must stay out, and so must tests and sources. Then a TypeScript
 * consumer installs the tarball and type-checks against its .d.ts with the setup the README gives
 * (typescript, @types/node, "types": ["node"]), and fails without it, as the README says.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT, removeDir, tempDir } from './helpers/index.ts';

const run = promisify(execFile);
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');

let work = '';

/** The tree a fresh clone has (what the build and the packing read), without node_modules' contents. */
async function cloneLikeTree(dir: string): Promise<void> {
  for (const entry of ['src', 'models', 'package.json', 'README.md', 'LICENSE', 'rollup.config.js', 'tsconfig.json', 'tsconfig.build.json', '.gitignore']) {
    if (existsSync(path.join(ROOT, entry))) await cp(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
  }
  await symlink(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  // What a store leaves beside the version folders (src/store: state, reports, lock, durable writes'
  // temp files, a trash folder) and inside one; a stale build; a test fixture.
  const name = path.join(dir, 'models/fashion-mnist');
  await writeFile(path.join(name, 'state.json'), '{"active":"1.0.0"}\n');
  await writeFile(path.join(name, '1.0.0.report.json'), '{}\n');
  await writeFile(path.join(name, '.lock'), '{"pid":1}\n');
  await writeFile(path.join(name, '.state.json.123.abcd1234.tmp'), '{');
  await mkdir(path.join(name, '.trash-1.0.0-123-abcd1234'));
  await writeFile(path.join(name, '.trash-1.0.0-123-abcd1234/model.onnx'), 'x');
  await writeFile(path.join(name, '1.0.0/.manifest.json.123.abcd1234.tmp'), '{');
  await mkdir(path.join(dir, 'dist'));
  await writeFile(path.join(dir, 'dist/stale.mjs'), 'export {};\n');
  await mkdir(path.join(dir, 'test/fixtures'), { recursive: true });
  await writeFile(path.join(dir, 'test/fixtures/x.json'), '{}\n');
}

/**
 * Packs once, on first use (not in a before hook: uvu counts a failing hook as neither passed nor
 * failed). `files` are paths relative to the package root, as `npm pack --json` lists them.
 */
let packing: Promise<{ files: string[]; tarball: string }> | undefined;
const packed = () => (packing ??= pack());

async function pack(): Promise<{ files: string[]; tarball: string }> {
  work = await tempDir('edgefn-pack-');
  const tree = path.join(work, 'tree');
  await mkdir(tree);
  await cloneLikeTree(tree);
  const out = path.join(work, 'out');
  await mkdir(out);
  // A real `npm pack` (its list is the one --dry-run prints) runs prepack, which builds dist/; not
  // with the settings of an `npm test --ignore-scripts` (or --dry-run) this may run under.
  const env = { ...process.env };
  delete env.npm_config_ignore_scripts;
  delete env.npm_config_dry_run;
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', out], { cwd: tree, env, maxBuffer: 64 << 20 });
  const [report] = JSON.parse(stdout.slice(stdout.indexOf('['))) as [{ filename: string; files: { path: string }[] }];
  return { files: report.files.map((f) => f.path).sort(), tarball: path.join(out, path.basename(report.filename)) };
}

test.after(async () => {
  if (work) await removeDir(work);
});

test('npm pack of an unbuilt tree: prepack builds a fresh dist/ (types included), LICENSE and README ship', async () => {
  const { files } = await packed();
  for (const f of ['dist/index.mjs', 'dist/index.cjs', 'dist/cli.mjs', 'dist/session-host.mjs', 'dist/types/index.d.ts', 'LICENSE', 'README.md', 'package.json']) {
    assert.ok(files.includes(f), `${f} is packed`);
  }
  assert.not.ok(files.includes('dist/stale.mjs'), 'prepack starts from an empty dist/');
  const license = await readFile(path.join(ROOT, 'LICENSE'), 'utf8');
  assert.match(license, /Apache License\s+Version 2\.0, January 2004/);
  assert.match(license, /END OF TERMS AND CONDITIONS/);
  const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { license: string };
  assert.is(pkg.license, 'Apache-2.0');
});

test('npm pack ships the bundled models whole and nothing a store writes beside them', async () => {
  const { files } = await packed();
  for (const m of ['fashion-mnist', 'fashion-mnist-tfjs', 'rain-tomorrow']) {
    assert.ok(files.includes(`models/${m}/1.0.0/manifest.json`), `${m}'s manifest is packed`);
  }
  for (const f of ['models/fashion-mnist/1.0.0/model.onnx', 'models/fashion-mnist/1.0.0/labels.txt', 'models/fashion-mnist/1.0.0/golden/00000.png', 'models/fashion-mnist-tfjs/1.0.0/weights.bin']) {
    assert.ok(files.includes(f), `${f} is packed`);
  }
  const local = files.filter((f) => /(^|\/)state\.json$|\.report\.json$|(^|\/)\.[^/]*(\/|$)|\.tmp$/.test(f));
  assert.equal(local, [], 'no store state, report, lock, temp or trash file');
  const outside = files.filter((f) => !/^(dist\/|models\/[^/]+\/[^/]+\/)|^(LICENSE|README\.md|package\.json)$/.test(f));
  assert.equal(outside, [], 'only dist/, version folders, LICENSE, README.md and package.json');
});

/** A consumer project with the packed edgefn installed, and TypeScript from this repo. */
async function consumer(withNodeTypes: boolean, types: string[] | null): Promise<{ code: number; out: string }> {
  const dir = await tempDir('edgefn-consumer-');
  try {
    await mkdir(path.join(dir, 'node_modules/@types'), { recursive: true });
    await run('tar', ['-xzf', (await packed()).tarball, '-C', dir]);
    await rename(path.join(dir, 'package'), path.join(dir, 'node_modules/edgefn'));
    if (withNodeTypes) await symlink(path.join(ROOT, 'node_modules/@types/node'), path.join(dir, 'node_modules/@types/node'));
    await writeFile(path.join(dir, 'package.json'), '{ "private": true, "type": "module" }\n');
    await writeFile(path.join(dir, 'index.ts'), `import { load, open, run, EdgefnError, ErrorCode, type Classification, type Loop } from 'edgefn';

const classify = await load('node_modules/edgefn/models/fashion-mnist');
try {
  const r: Classification = await classify(Buffer.from([0]));
  console.log(r.label, r.score, r.timings.total);
} catch (err) {
  if (err instanceof EdgefnError && err.code === ErrorCode.INPUT_INVALID) console.log('not an image');
}
await classify.dispose();
const loops: Loop[] = [];
void open; void run; void loops;
`);
    // skipLibCheck off: edgefn's own .d.ts files are checked too.
    const compilerOptions = { module: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: false, ...(types ? { types } : {}) };
    await writeFile(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['index.ts'] }));
    try {
      const { stdout } = await run(process.execPath, [TSC, '-p', dir], { cwd: dir });
      return { code: 0, out: stdout };
    } catch (err) {
      const e = err as { code: number; stdout: string };
      return { code: e.code, out: e.stdout };
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('a TypeScript consumer of the packed edgefn type-checks with @types/node and "types": ["node"]', async () => {
  const r = await consumer(true, ['node']);
  assert.is(r.out, '');
  assert.is(r.code, 0);
});

test('without @types/node, or with "types": [] (the TypeScript 7 default), the .d.ts do not resolve node: modules and Buffer', async () => {
  for (const [withNodeTypes, types] of [[false, null], [true, []]] as const) {
    const r = await consumer(withNodeTypes, types === null ? null : [...types]);
    assert.is(r.code, 2, r.out);
    assert.match(r.out, /node_modules\/edgefn\/dist\/types\/.*error TS2307: Cannot find module 'node:crypto'/);
    assert.match(r.out, /Cannot find name 'Buffer'/);
  }
});

test.run();
