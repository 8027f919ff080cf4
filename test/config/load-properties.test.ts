/**
 * Property tests of the config loader (fast-check): whatever text a gwkit.yaml holds, loading it
 * either succeeds or fails with an InputError whose every problem is located (`file:line:col:`),
 * and never crashes, hangs or echoes a value typed into a credential field.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import jsYaml from 'js-yaml';
import { loadFleet } from '../../lib/config';
import { InputError } from '../../lib/errors';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gwkit-props-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function load(text: string): { ok: true } | { ok: false; error: InputError } {
  const file = join(dir, `gwkit-${++n}.yaml`);
  writeFileSync(file, text);
  try {
    loadFleet(file);
    return { ok: true };
  } catch (error) {
    if (!(error instanceof InputError)) throw new Error(`not an InputError for:\n${text}\n---\n${String(error)}`);
    return { ok: false, error };
  }
}

/** Every problem line starts with the file, and a line and column when one exists. */
function located(error: InputError): boolean {
  const lines = error.problems.length ? error.problems : [error.message];
  return lines.every((l) => /gwkit-\d+\.yaml(:\d+:\d+)?: /.test(l));
}

const VALID = {
  version: 1,
  defaults: {
    projectId: 'pbxgw-{id}',
    parent: 'folders/123',
    billingAccount: '01ABCD-23EF45-67ABCD',
    consentScreen: { supportEmail: 'it@example.com' },
  },
  tenants: [{ id: 'acme', pbxTenant: { domain: 'acme.example' } }],
};

/** Any JSON-ish value, as YAML can carry it. */
const anyValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
);

/** Paths into a valid config where a wrong value may be put. */
const PATHS = [
  ['version'],
  ['defaults', 'projectId'],
  ['defaults', 'parent'],
  ['defaults', 'billingAccount'],
  ['defaults', 'features'],
  ['defaults', 'labels'],
  ['defaults', 'pbx'],
  ['defaults', 'pbx', 'url'],
  ['defaults', 'pbx', 'login'],
  ['defaults', 'pbx', 'timeoutSeconds'],
  ['defaults', 'mail', 'switchToGmail'],
  ['defaults', 'consentScreen', 'appName'],
  ['tenants'],
  ['tenants', 0],
  ['tenants', 0, 'id'],
  ['tenants', 0, 'pbxTenant'],
  ['tenants', 0, 'lien'],
  ['include'],
  ['google', 'endpoints'],
];

function setAt(doc: any, path: (string | number)[], value: unknown): any {
  const copy = JSON.parse(JSON.stringify(doc));
  let cursor = copy;
  for (const part of path.slice(0, -1)) {
    cursor[part] ??= {};
    if (typeof cursor[part] !== 'object' || cursor[part] === null) cursor[part] = {};
    cursor = cursor[part];
  }
  cursor[path[path.length - 1]!] = value;
  return copy;
}

test('the valid base loads', () => {
  expect(load(jsYaml.dump(VALID))).toEqual({ ok: true });
});

test('any text: loads, or fails with located problems; never a crash', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (text) => {
      const r = load(text);
      return r.ok || located(r.error);
    }),
    { numRuns: 200 },
  );
});

test('a valid config with any value at any field: loads, or fails with located problems', () => {
  fc.assert(
    fc.property(fc.constantFrom(...PATHS), anyValue, (path, value) => {
      const r = load(jsYaml.dump(setAt(VALID, path as (string | number)[], value)));
      return r.ok || located(r.error);
    }),
    { numRuns: 300 },
  );
});

test('a value typed into a credential field is never echoed', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('passwordEnv', 'passwordFile', 'passwordSecret', 'password'),
      fc.string({ minLength: 6, maxLength: 30 }).filter((s) => /[^A-Za-z0-9_]/.test(s) && s.trim() === s && !/^[A-Z_][A-Z0-9_]*$/.test(s)),
      (field, secret) => {
        const doc = setAt(setAt(VALID, ['defaults', 'pbx', 'url'], 'https://pbx.example:8887'), ['defaults', 'pbx', 'login'], {
          username: 'admin',
          [field]: secret,
        });
        const r = load(jsYaml.dump(doc));
        if (r.ok) return true; // e.g. a passwordFile path: not a secret, and valid
        return located(r.error) && !r.error.message.includes(secret);
      },
    ),
    { numRuns: 200 },
  );
});

test('any nesting, any chain of aliases: loads, or fails with located problems; never a stack overflow or a hang', () => {
  const opener = fc.constantFrom('[', '{a: ', '- ', '{', '[[');
  fc.assert(
    fc.property(
      fc.array(opener, { maxLength: 400 }),
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 1, max: 12 }),
      (openers, fanOut, levels) => {
        // Nesting at a tenant field, and aliases of aliases `levels` deep, each `fanOut` wide.
        const nested = `${jsYaml.dump(VALID)}x-nested: ${openers.join('')}\n`;
        const aliases = Array.from({ length: levels }, (_, i) => `x${i + 1}: &x${i + 1} [${Array(fanOut).fill(`*x${i}`).join(', ')}]`);
        const chained = `${jsYaml.dump(VALID)}x0: &x0 v\n${aliases.join('\n')}\n`;
        return [nested, chained].every((text) => {
          const r = load(text);
          return !r.ok && located(r.error); // x-… is not a gwkit setting: never valid
        });
      },
    ),
    { numRuns: 150 },
  );
});
