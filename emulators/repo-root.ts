import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The gwkit repository root, found from this file: works from the sources and from dist/. */
export function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'gwkit') return dir;
      } catch {
        /* keep looking */
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the gwkit repository above ${__dirname}`);
    dir = up;
  }
}
