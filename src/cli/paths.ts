/**
 * Where the bundled models are, whether edgefn runs from dist/ (installed) or src/ (a checkout).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'edgefn') return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the edgefn package root');
    dir = parent;
  }
}

export function bundledModelDir(): string {
  return path.join(packageRoot(), 'models', 'fashion-mnist');
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
