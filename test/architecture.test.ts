/**
 * The layering reads from the folders, and stays that way: dependency-cruiser checks the rules in
 * .dependency-cruiser.cjs (no import cycles; the product never imports emulators, tests or
 * devDependencies; constructs never import app code), and command modules stay thin.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

test('dependency rules hold: no cycles, no product import of test instruments or devDependencies, constructs independent', () => {
  const cli = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruiser.mjs');
  const run = spawnSync(
    process.execPath,
    [cli, '--config', '.dependency-cruiser.cjs', '--output-type', 'err', 'lib', 'cli', 'stacks', 'constructs', 'main.ts', 'index.ts', 'emulators', 'test'],
    { cwd: ROOT, encoding: 'utf8' },
  );
  expect({ status: run.status, violations: `${run.stdout}${run.stderr}`.trim() }).toEqual({
    status: 0,
    violations: expect.stringMatching(/^✔ no dependency violations found/),
  });
});

test('command modules are thin: parse, call one library function, render (at most 50 lines each)', () => {
  const dir = join(ROOT, 'cli/commands');
  const sizes = readdirSync(dir).map((f) => ({ file: f, lines: readFileSync(join(dir, f), 'utf8').trimEnd().split('\n').length }));
  expect(sizes.filter((s) => s.lines > 50)).toEqual([]);
});
