/** Locations inside the installed package, whether running from src/ (tests) or dist/src/ (built). */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'ipcns-bench') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('ipcns-bench: cannot find the package root (package.json)');
    dir = up;
  }
}

export const PACKAGE_ROOT = findRoot();
export const NATIVE_LIBRARY = join(PACKAGE_ROOT, 'native', 'build', 'libipcb.so');
export const REFERENCE_PINGPONG = join(PACKAGE_ROOT, 'native', 'build', 'reference-pingpong');

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}
