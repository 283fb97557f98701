// Builds dist/: the library as ESM and CommonJS, and the CLI as ESM. Types come from tsc
// (tsconfig.build.json), not from a hand-kept .d.ts.
import { builtinModules } from 'node:module';
import { readFileSync } from 'node:fs';
import typescript from '@rollup/plugin-typescript';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const deps = [
  ...Object.keys(pkg.dependencies ?? {}),
  ...Object.keys(pkg.peerDependencies ?? {}),
  ...Object.keys(pkg.optionalDependencies ?? {}),
];
// Packages stay external (resolved at run time from node_modules); only our code is bundled.
const external = (id) =>
  id.startsWith('node:') || builtinModules.includes(id) || deps.some((d) => id === d || id.startsWith(`${d}/`));

const ts = () => typescript({ tsconfig: './tsconfig.build.json', module: 'NodeNext', declaration: false, emitDeclarationOnly: false, noEmit: false, outDir: undefined, rootDir: undefined });

export default [
  {
    input: 'src/index.ts',
    external,
    plugins: [ts()],
    output: [
      { file: 'dist/index.mjs', format: 'es', sourcemap: true },
      { file: 'dist/index.cjs', format: 'cjs', sourcemap: true, exports: 'named' },
    ],
  },
  {
    // The child process that owns an isolated inference session (src/runtime/isolated.ts).
    input: 'src/runtime/host.ts',
    external,
    plugins: [ts()],
    output: { file: 'dist/session-host.mjs', format: 'es', sourcemap: true },
  },
  {
    input: 'src/cli/main.ts',
    external,
    plugins: [ts()],
    output: { file: 'dist/cli.mjs', format: 'es', sourcemap: true },
  },
];
