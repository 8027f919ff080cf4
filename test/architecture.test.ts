/**
 * The layering reads from the folders, and stays that way: dependency-cruiser checks the rules in
 * .dependency-cruiser.cjs (no import cycles; the product never imports emulators, tests or
 * devDependencies; constructs never import app code; lib never imports cli; lib/pbx and lib/google
 * never import each other). That command modules stay thin is Biome's to check (biome.jsonc).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

test('dependency rules hold: no cycles, no product import of test instruments or devDependencies, constructs independent', () => {
  const cli = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruiser.mjs');
  const run = spawnSync(
    process.execPath,
    [
      cli,
      '--config',
      '.dependency-cruiser.cjs',
      '--output-type',
      'err',
      'lib',
      'cli',
      'stacks',
      'constructs',
      'main.ts',
      'index.ts',
      'emulators',
      'test',
    ],
    { cwd: ROOT, encoding: 'utf8' },
  );
  expect({ status: run.status, violations: `${run.stdout}${run.stderr}`.trim() }).toEqual({
    status: 0,
    violations: expect.stringMatching(/^✔ no dependency violations found/),
  });
});
