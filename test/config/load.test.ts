import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import YAML from 'yaml';
import { readFileSync } from 'node:fs';
import { fleetJsonSchema, loadFleet, selectTenants } from '../../lib/config';
import { InputError } from '../../lib/errors';

const fixture = (name: string) => join(__dirname, 'fixtures', name);

/** Load a fixture expecting an InputError; return its problem lines with the absolute fixture dir trimmed. */
function problemsOf(name: string): string[] {
  try {
    loadFleet(fixture(name));
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    const e = error as InputError;
    // Paths are shown relative to the working directory; keep the part below fixtures/.
    return (e.problems.length ? e.problems : [e.message]).map((p) => p.replace(/[^\s(]*fixtures\//g, ''));
  }
  throw new Error(`${name} loaded without error`);
}

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

  test('the example fleet: features decide APIs, tenants override defaults, included files add tenants', () => {
    const fleet = loadFleet(join(__dirname, '../../gwkit.yaml'));
    const byId = Object.fromEntries(fleet.tenants.map((t) => [t.id, t]));
    expect(Object.keys(byId)).toEqual(['acme', 'globex', 'initech-lab']);
    expect(byId.acme!.apis).toEqual(['admin.googleapis.com', 'gmail.googleapis.com', 'people.googleapis.com', 'secretmanager.googleapis.com']);
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
    ['missing-required.yaml', ['missing-required.yaml:5:5: tenants[1] (id "beta").pbxTenant: expected pbxTenant to be { domain: SIP-DOMAIN } or { name: TENANT-NAME }, each with an optional id: PBX-TENANT-ID (missing)']],
    [
      'bad-backend.yaml',
      [
        'bad-backend.yaml:8:22: tenants[0] (id "acme").backend.type: expected backend.type to be one of local, gcs, cloud (got "s3")',
        'bad-backend.yaml:11:14: tenants[1] (id "beta").backend.bucket: required for a gcs backend',
      ],
    ],
    ['not-yaml.yaml', ['not-yaml.yaml:4:3: Flow map in block collection must be sufficiently indented and end with a }']],
    ['split/gwkit.yaml', ['split/tenants/zz-broken.yml:4:5: tenants[0] (id "rome").feature: unknown setting "feature"']],
  ])('%s', (name, expected) => {
    const problems = problemsOf(name);
    expect(problems).toHaveLength(expected.length);
    expected.forEach((line, i) => expect(problems[i]).toContain(line));
  });

  test('settings missing from tenant and defaults are reported together, after the schema passes', () => {
    const problems = problemsOf('missing-billing.yaml');
    expect(problems).toEqual([
      expect.stringContaining('missing-billing.yaml:2:5: tenants[0] (id "acme").billingAccount: required, set it on the tenant or in defaults'),
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
