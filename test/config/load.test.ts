import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import YAML from 'yaml';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import jsYaml from 'js-yaml';
import { fleetHeader } from '../support/fleet-yaml';
import { fleetJsonSchema, loadFleet, selectTenants } from '../../lib/config';
import { InputError } from '../../lib/errors';
import { problemsOf as problemsIn } from './problems';

const problemsOf = (name: string) => problemsIn(name);
const fixture = (name: string) => join(__dirname, 'fixtures', name);

describe('loadFleet: good configs', () => {
  test('a minimal tenant gets documented defaults', () => {
    const [t] = loadFleet(fixture('minimal.yaml')).tenants;
    expect(t).toMatchObject({
      id: 'solo',
      projectId: 'pbxgw-solo',
      parent: { kind: 'organization', id: '987654321' },
      features: ['mail'],
      apis: ['gmail.googleapis.com', 'secretmanager.googleapis.com'],
      environment: 'production',
      deletionPolicy: 'PREVENT',
      lien: false,
      backend: { type: 'local' },
      consentScreen: { appName: 'PortSIP PBX', supportEmail: 'help@solo.example', developerEmail: 'help@solo.example' },
      labels: { 'managed-by': 'gwkit', 'gwkit-tenant': 'solo' },
      credentialSecretId: 'gwkit-oauth-client',
    });
  });

  test('every default the schema states is the one a tenant gets', () => {
    // The description of defaults.<path> in `gwkit config schema`, and the "Default: X" it states.
    const stated = (...path: string[]): string => {
      let node = fleetJsonSchema() as { properties?: Record<string, unknown>; description?: string };
      for (const key of ['defaults', ...path]) node = node.properties![key] as typeof node;
      const m = /Default: ("[^"]*"|[^\s,]+?)[.,]?(\s|$)/.exec(node.description ?? '');
      if (!m) throw new Error(`defaults.${path.join('.')}: no "Default:" in its description`);
      return m[1]!.replace(/^"|"$/g, '');
    };
    const dir = mkdtempSync(join(tmpdir(), 'gwkit-defaults-'));
    try {
      const file = join(dir, 'gwkit.yaml');
      const tenant =
        '  - id: solo\n    pbxTenant: { domain: solo.example }\n    pbx: { url: "https://pbx.example:8887", login: { username: admin } }\n';
      writeFileSync(
        file,
        `defaults: { parent: folders/1, billingAccount: 01ABCD-23EF45-67ABCD, consentScreen: { supportEmail: help@solo.example } }\ntenants:\n${tenant}`,
      );
      const [t] = loadFleet(file).tenants;
      expect(t!.projectId).toBe(stated('projectId').replace('{id}', 'solo'));
      expect(`[${t!.features.join(', ')}]`).toBe(stated('features'));
      expect(t!.environment).toBe(stated('environment'));
      expect(String(t!.lien)).toBe(stated('lien'));
      expect(t!.consentScreen.appName).toBe(stated('consentScreen', 'appName'));
      expect(t!.consentScreen.audience).toBe(stated('consentScreen', 'audience'));
      expect(t!.pbx!.level).toBe(stated('pbx', 'level'));
      expect(t!.pbx!.role).toBe(stated('pbx', 'login', 'role'));
      expect(t!.pbx!.passwordEnv).toBe(stated('pbx', 'login', 'passwordEnv'));
      expect(t!.pbx!.timeoutMs).toBe(Number(stated('pbx', 'timeoutSeconds')) * 1000);
      expect(t!.pbx!.requestsPerMinute).toBe(Number(stated('pbx', 'requestsPerMinute')));
      expect(String(t!.mail.switchToGmail)).toBe(stated('mail', 'switchToGmail'));
      expect(t!.mail.maxProofAgeDays).toBe(Number(stated('mail', 'maxProofAgeDays')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the example fleet: features decide APIs, tenants override defaults, included files add tenants', () => {
    const fleet = loadFleet(join(__dirname, '../../gwkit.yaml'));
    const byId = Object.fromEntries(fleet.tenants.map((t) => [t.id, t]));
    expect(Object.keys(byId)).toEqual(['acme', 'globex', 'initech-lab']);
    expect(byId.acme!.apis).toEqual([
      'admin.googleapis.com',
      'gmail.googleapis.com',
      'people.googleapis.com',
      'secretmanager.googleapis.com',
    ]);
    expect(byId.globex!.labels['cost-center']).toBe('globex');
    expect(byId.globex!.backend).toEqual({ type: 'cloud', organization: 'msp-example', workspacePrefix: 'pbx-' });
    expect(byId['initech-lab']!.deletionPolicy).toBe('DELETE');
    expect(byId['initech-lab']!.consentScreen).toEqual({
      appName: 'Initech PBX (lab)',
      supportEmail: 'it-support@msp.example',
      developerEmail: 'it-support@msp.example',
      audience: 'external',
    });
  });

  test('selectTenants picks by id and names unknown ids', () => {
    const fleet = loadFleet(join(__dirname, '../../gwkit.yaml'));
    expect(selectTenants(fleet, ['globex']).map((t) => t.id)).toEqual(['globex']);
    expect(selectTenants(fleet, []).length).toBe(3);
    expect(() => selectTenants(fleet, ['globex', 'globx'])).toThrow(/no tenant with id "globx"/);
  });
});

describe('loadFleet: bad configs name file, line, tenant and field', () => {
  test.each<[string, string[]]>([
    ['unknown-key.yaml', ['unknown-key.yaml:8:5: tenants[0] (id "acme").billingAcount: unknown setting "billingAcount"']],
    [
      'bad-values.yaml',
      [
        'bad-values.yaml:2:11: defaults.parent: expected "folders/NUMBER" or "organizations/NUMBER", e.g. "folders/123456789012" (got "folder/1")',
        'bad-values.yaml:3:19: defaults.billingAccount: expected a billing account id like "01ABCD-23EF45-67ABCD" (uppercase hex) (got "0a1b2c-3d4e5f-6a7b8c")',
        'bad-values.yaml:4:34: defaults.consentScreen.supportEmail: expected an email address',
        'bad-values.yaml:8:22: tenants[0] (id "acme").features[1]: expected one of mail, userSync, sso (got "fax")',
        'bad-values.yaml:9:9: tenants[1] (id "Beta_Corp").id: tenant ids are 2-40 characters',
      ],
    ],
    [
      'bad-project-id.yaml',
      [
        'bad-project-id.yaml:6:5: tenants[0] (id "acme").projectId: "pbx-google-acme" contains "google"',
        'bad-project-id.yaml:9:5: tenants[1] (id "a-tenant-with-a-rather-long-name").projectId: "pbxgw-a-tenant-with-a-rather-long-name" is not a valid project id: 6-30 characters',
      ],
    ],
    [
      'duplicates.yaml',
      [
        'duplicates.yaml:12:5: tenant "acme": id "acme" is already used by tenant "acme" (duplicates.yaml:6:5)',
        'duplicates.yaml:9:5: tenant "acme2": projectId "shared-project" is already used by tenant "acme"',
        'duplicates.yaml:9:5: tenant "acme2": pbxTenant "domain ACME.example" is already used by tenant "acme"',
      ],
    ],
    [
      'missing-required.yaml',
      [
        'missing-required.yaml:5:5: tenants[1] (id "beta").pbxTenant: expected pbxTenant to be { domain: SIP-DOMAIN } or { name: TENANT-NAME }, each with an optional id: PBX-TENANT-ID (missing)',
      ],
    ],
    [
      'bad-backend.yaml',
      [
        'bad-backend.yaml:8:22: tenants[0] (id "acme").backend.type: expected backend.type to be one of local, gcs, cloud (got "s3")',
        'bad-backend.yaml:11:14: tenants[1] (id "beta").backend.bucket: required for a gcs backend',
      ],
    ],
    ['not-yaml.yaml', ['not-yaml.yaml:4:3: a { opened above is not closed before this line: close it with }']],
    ['split/gwkit.yaml', ['split/tenants/zz-broken.yml:4:5: tenants[0] (id "rome").feature: unknown setting "feature"']],
  ])('%s', (name, expected) => {
    const problems = problemsOf(name);
    expect(problems).toHaveLength(expected.length);
    for (const [i, line] of expected.entries()) expect(problems[i]).toContain(line);
  });

  test('settings missing from tenant and defaults are reported together, after the schema passes', () => {
    const problems = problemsOf('missing-billing.yaml');
    expect(problems).toEqual([
      expect.stringContaining(
        'missing-billing.yaml:2:5: tenants[0] (id "acme").billingAccount: required, set it on the tenant or in defaults',
      ),
      expect.stringContaining('missing-billing.yaml:2:5: tenants[0] (id "acme").consentScreen.supportEmail: required'),
    ]);
  });

  test('a missing config file says so and how to fix it', () => {
    expect(problemsOf('does-not-exist.yaml')[0]).toMatch(/config file not found \(set --config/);
  });
});

describe('JSON Schema export', () => {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate = ajv.compile(fleetJsonSchema());

  test('accepts the example fleet and rejects a misspelt setting', () => {
    expect(validate(YAML.parse(readFileSync(join(__dirname, '../../gwkit.yaml'), 'utf8')))).toBe(true);
    expect(validate(YAML.parse(readFileSync(fixture('unknown-key.yaml'), 'utf8')))).toBe(false);
    expect(JSON.stringify(validate.errors)).toContain('billingAcount');
  });
});

describe('YAML rules: merge keys, hostile and foreign input', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'gwkit-yaml-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Write files (name → text or bytes) and load the first one. */
  function loadFiles(files: Record<string, string | Buffer>): ReturnType<typeof loadFleet> {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return loadFleet(join(dir, Object.keys(files)[0]!));
  }
  function problemsIn(files: Record<string, string | Buffer>): string[] {
    try {
      loadFiles(files);
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      const e = error as InputError;
      return (e.problems.length ? e.problems : [e.message]).map((p) => p.replace(`${dir}/`, ''));
    }
    throw new Error('loaded without error');
  }
  const header = fleetHeader('  consentScreen: { supportEmail: it@msp.example }').join('\n');

  test('<<: *anchor merges a tenant template: the same fleet as written out, explicit keys winning', () => {
    const merged = loadFiles({
      'merged.yaml': `${header}\ntenants:\n  - &lab\n    id: lab1\n    environment: non-production\n    features: [mail, sso]\n    labels: { team: voice }\n    pbxTenant: { domain: lab1.example }\n  - <<: *lab\n    id: lab2\n    pbxTenant: { domain: lab2.example }\n`,
    });
    const written = loadFiles({
      'written.yaml': `${header}\ntenants:\n  - id: lab1\n    environment: non-production\n    features: [mail, sso]\n    labels: { team: voice }\n    pbxTenant: { domain: lab1.example }\n  - id: lab2\n    environment: non-production\n    features: [mail, sso]\n    labels: { team: voice }\n    pbxTenant: { domain: lab2.example }\n`,
    });
    const plain = (f: ReturnType<typeof loadFleet>) => f.tenants.map(({ location: _, ...t }) => t);
    expect(plain(merged)).toEqual(plain(written));
    expect(merged.tenants[1]).toMatchObject({ id: 'lab2', environment: 'non-production', pbxTenant: { domain: 'lab2.example' } });
  });

  test('a wrong value merged from an anchor is located where the anchor writes it, also through an alias of a block', () => {
    expect(
      problemsIn({
        'bad-merge.yaml': `${header}\n  pbx: &pbx\n    url: https://pbx.example:8887\n    timeoutSeconds: 0\n    login: { username: admin }\ntenants:\n  - id: acme\n    pbxTenant: { domain: a.example }\n    pbx: { <<: *pbx, level: tenant }\n`,
      }),
    ).toEqual([
      expect.stringMatching(/^bad-merge\.yaml:9:21: defaults\.pbx\.timeoutSeconds: /),
      expect.stringMatching(/^bad-merge\.yaml:9:21: tenants\[0\] \(id "acme"\)\.pbx\.timeoutSeconds: /),
    ]);
  });

  test('an alias bomb is refused at the alias, before anything walks its expansion', () => {
    const bomb = [
      'version: 1',
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      ...[...'bcdefghij'].map((n, i) => `${n}: &${n} [${Array(10).fill(`*${'abcdefghi'[i]}`).join(', ')}]`),
    ].join('\n');
    expect(problemsIn({ 'bomb.yaml': bomb })).toEqual([
      expect.stringMatching(
        /^bomb\.yaml:11:\d+: the alias \*i here stands for [\d,]+ values, .*alias bomb.*<<: \*defaults per tenant is fine/,
      ),
    ]);
  });

  test.each([
    ['100,000 [', `version: 1\ntenants: ${'['.repeat(100_000)}`, /^deep\.yaml:2:\d+: values are nested more than 64 levels deep here/],
    ['100,000 {', `version: 1\ntenants: ${'{'.repeat(100_000)}`, /^deep\.yaml:2:\d+: values are nested more than 64 levels deep here/],
    [
      'maps nested 1,000 deep',
      `version: 1\n${Array.from({ length: 1000 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n')} x\n`,
      /^deep\.yaml:\d+:\d+: values are nested more than 64 levels deep here/,
    ],
  ])('nesting: %s is refused located, never a stack overflow', (_name, text, expected) => {
    expect(problemsIn({ 'deep.yaml': text })).toEqual([expect.stringMatching(expected)]);
  });

  test('nesting in an include file is refused at that file', () => {
    expect(
      problemsIn({
        'with-deep-include.yaml': `${header}\ninclude: [deep-tenants.yaml]\n`,
        'deep-tenants.yaml': `tenants: ${'['.repeat(100_000)}`,
      }),
    ).toEqual([expect.stringMatching(/^deep-tenants\.yaml:1:\d+: values are nested more than 64 levels deep/)]);
  });

  test.each<[string, string, RegExp]>([
    ['two documents', 'version: 1\n---\nversion: 1\n', /:2:1: the file holds more than one YAML document/],
    ['a key without its colon', 'version: 1\nfoo bar\nx: 1\n', /:2:1: this line is not "setting: value"/],
    ['an unclosed double quote', 'version: "1\nx: 1\n', /:\d+:\d+: a "double-quoted" value is not closed/],
    ['an unclosed single quote', "version: '1\nx: 1\n", /:\d+:\d+: a 'single-quoted' value is not closed/],
    ['an unknown escape', 'x: "a\\qb"\n', /:1:\d+: the "double-quoted" value holds the unknown escape \\q/],
    ['bad indentation', 'defaults:\n  parent: folders/1\n billingAccount: x\n', /:3:\d+: the indentation does not match the lines above/],
    ['a tab', 'defaults:\n\tparent: folders/1\n', /:2:1: indent with spaces, not tabs/],
    ['a duplicate key', 'version: 1\nversion: 1\n', /:2:1: the same setting appears twice in one block/],
    ['a value starting with a backtick', 'x: `id`\n', /:1:4: a value cannot start with ` unless it is quoted/],
    ['two keys on one line', 'defaults: parent: folders/1\n', /:1:\d+: two "key:" on one line/],
    ['a block inside [ ]', 'tenants: [\n  - id: a\n]\n', /:2:\d+: inside \[ \] or \{ \} values are written inline/],
    ['an alias with its own anchor', 'a: &x 1\nb: &y *x\n', /:2:\d+: an alias \(\*name\) cannot carry its own anchor/],
    ['two anchors', 'a: &x &y 1\n', /:1:\d+: one value has two anchors/],
    ['two tags', 'a: !!str !!str 1\n', /:1:\d+: one value has two tags/],
    ['a stray ]', 'version: 1\n]\n', /:2:1: this does not fit the structure above it/],
    ['an alias to no anchor', 'defaults: *base\n', /:1:\d+: the alias \*base has no anchor &base before it/],
    ['an unknown tag', 'version: !thing 1\n', /:1:\d+: gwkit\.yaml has no use for this tag/],
    ['a merge of a scalar', 'defaults:\n  <<: 5\n', /:2:\d+: "<<" \(merge key\) takes an alias of a map/],
  ])('syntax: %s is said in plain words at file:line:col, never as advice to call a library', (_name, text, expected) => {
    const problems = problemsIn({ 'syntax.yaml': text });
    expect(problems[0]).toMatch(new RegExp(`^syntax\\.yaml${expected.source}`));
    for (const p of problems) expect(p).not.toMatch(/YAML\.\w+\(|please use|option/i);
  });

  test('anchors are per file: an include file cannot use an anchor of gwkit.yaml', () => {
    const main = `${header.replace('defaults:', 'defaults: &defaults')}\ninclude: [uses-anchor.yaml]\n`;
    expect(
      problemsIn({
        'anchored.yaml': main,
        'uses-anchor.yaml': 'tenants:\n  - <<: *defaults\n    id: x1\n    pbxTenant: { domain: x.example }\n',
      }),
    ).toEqual([
      expect.stringMatching(
        /^uses-anchor\.yaml:2:\d+: the alias \*defaults has no anchor &defaults before it; .*an include file cannot use the anchors of gwkit\.yaml/,
      ),
    ]);
  });

  test('encodings: a byte-order mark is read past; Latin-1 and UTF-16 are refused located', () => {
    const valid = `${header}\ntenants:\n  - id: acme\n    pbxTenant: { domain: a.example }\n`;
    expect(loadFiles({ 'bom.yaml': `\uFEFF${valid}` }).tenants.map((t) => t.id)).toEqual(['acme']);
    expect(problemsIn({ 'latin1.yaml': Buffer.from(`${valid}    projectName: Caf\xe9\n`, 'latin1') })).toEqual([
      expect.stringMatching(/^latin1\.yaml:10:21: the byte 0xE9 is not UTF-8 .*save it as UTF-8/),
    ]);
    expect(problemsIn({ 'utf16.yaml': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(valid, 'utf16le')]) })).toEqual([
      expect.stringMatching(/^utf16\.yaml: is UTF-16 text/),
    ]);
  });

  test('a file over 10 MB is refused unread, with what to do instead', () => {
    expect(problemsIn({ 'huge.yaml': `version: 1\n# ${'x'.repeat(10 * 1024 * 1024)}\n` })).toEqual([
      expect.stringMatching(
        /^huge\.yaml: is 10\.0 MB; gwkit reads config files of up to 10\.0 MB \(split the tenants into several files listed under include:\)/,
      ),
    ]);
  });

  test('js-yaml and the locating parser read merge keys alike', () => {
    // The data comes from js-yaml, positions from `yaml`: both must see the same merged map.
    const text = 'a: &a { x: 1, z: 3 }\nb: &b { x: 4, w: 5 }\nc:\n  <<: [*a, *b]\n  y: 2\n  z: 9\n';
    expect(jsYaml.load(text, { schema: jsYaml.CORE_SCHEMA.extend({ implicit: [(jsYaml as any).types.merge] }) })).toEqual(
      YAML.parse(text, { merge: true }),
    );
  });
});
