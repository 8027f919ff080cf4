import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import YAML from 'yaml';
import { readFileSync } from 'node:fs';
import { fleetJsonSchema, loadFleet, selectSuites, selectTenants } from '../../lib/config';
import { problemsOf as problemsIn } from './problems';

const problemsOf = (name: string) => problemsIn(name, 'ms365');
const fixture = (name: string) => join(__dirname, 'fixtures', 'ms365', name);

describe('Microsoft 365 tenants in gwkit.yaml', () => {
  test('one file mixes suites; google-workspace stays the default and Microsoft settings resolve with documented defaults', () => {
    const fleet = loadFleet(fixture('mixed.yaml'));
    expect(fleet.tenants.map((t) => t.id)).toEqual(['solo']);
    expect(fleet.microsoft365Tenants).toHaveLength(1);
    expect(fleet.microsoft365Tenants[0]).toMatchObject({
      suite: 'microsoft-365',
      id: 'contoso',
      environment: 'production',
      backend: { type: 'local' },
      microsoft365: {
        directoryId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
        nationalCloud: 'global',
        features: ['userSync', 'signIn', 'contacts'],
        graphPermissions: ['Contacts.Read', 'GroupMember.Read.All', 'User.Read.All'],
        appName: 'PortSIP PBX contoso',
        userSync: { enabled: true, syncType: 'all', syncGuestUsers: false, syncPhoto: false },
        signIn: { standardUsers: true, administrators: [] },
        certificateWarningDays: 30,
        facts: undefined,
      },
    });
    expect(fleet.microsoft365Tenants[0]!.microsoft365.factsFile).toBe(fixture('pbx-facts/contoso.json'));
  });

  test('selection knows both suites; an unknown id is still refused', () => {
    const fleet = loadFleet(fixture('mixed.yaml'));
    expect(selectSuites(fleet, ['contoso', 'solo'])).toMatchObject({ google: [{ id: 'solo' }], microsoft365: [{ id: 'contoso' }] });
    expect(selectTenants(fleet, ['contoso'])).toEqual([]);
    expect(() => selectSuites(fleet, ['contoso', 'nope'])).toThrow(/has no tenant with id "nope" \(the fleet has 2 tenants/);
  });

  test('bad input: every problem at once, located, naming the field and what was expected', () => {
    expect(problemsOf('bad.yaml')).toEqual([
      expect.stringMatching(
        /^bad\.yaml:7:20: tenants\[0\] \(id "contoso"\)\.microsoft365\.directoryId: expected the Directory \(tenant\) ID, a GUID .* \(got "not-a-guid"\)$/,
      ),
      expect.stringMatching(
        /^bad\.yaml:8:22: tenants\[0\] \(id "contoso"\)\.microsoft365\.nationalCloud: expected "global" or "china" \(got "usgov"\)$/,
      ),
      expect.stringMatching(
        /^bad\.yaml:9:28: tenants\[0\] \(id "contoso"\)\.microsoft365\.features\[1\]: expected one of userSync, signIn, contacts, calendar, mail \(got "fax"\)$/,
      ),
      expect.stringMatching(
        /^bad\.yaml:23:12: tenants\[3\] \(id "contoso"\)\.suite: expected "google-workspace" or "microsoft-365" \(got "office"\)$/,
      ),
    ]);
  });

  test('fleet rules: Google settings on a Microsoft tenant, Microsoft settings on a Google one, missing directory, include without users', () => {
    expect(problemsOf('rules.yaml')).toEqual([
      expect.stringMatching(
        /^rules\.yaml:2:5: tenants\[0\] \(id "contoso"\)\.projectId: a Google Workspace setting; this tenant has suite "microsoft-365"/,
      ),
      expect.stringMatching(
        /^rules\.yaml:2:5: tenants\[0\] \(id "contoso"\)\.microsoft365\.directoryId: required for a microsoft-365 tenant/,
      ),
      expect.stringMatching(
        /^rules\.yaml:6:5: tenants\[1\] \(id "fabrikam"\)\.microsoft365\.userSync\.selectedUsers: syncType "include" needs the users it selects/,
      ),
      expect.stringMatching(
        /^rules\.yaml:13:5: tenants\[2\] \(id "solo"\)\.microsoft365: this tenant has suite "google-workspace" \(the default\); set suite: microsoft-365/,
      ),
    ]);
  });

  test('ids and PBX tenants are unique across suites', () => {
    expect(problemsOf('duplicates.yaml')).toEqual([
      expect.stringMatching(/^duplicates\.yaml:7:5: tenant "solo": id "solo" is already used by tenant "solo" \(duplicates\.yaml:2:5\)/),
      expect.stringMatching(
        /^duplicates\.yaml:11:5: tenant "other": pbxTenant "domain SOLO\.pbx\.example" is already used by tenant "solo"/,
      ),
    ]);
  });

  test("a facts file that is not gwkit's is a located input error", () => {
    expect(problemsOf('facts-bad.yaml')).toEqual([
      expect.stringMatching(/pbx-facts\/broken\.json: (redirectUris|certificates|readAt)/),
      expect.anything(),
      expect.anything(),
    ]);
  });

  test('the JSON Schema accepts the mixed example and refuses an unknown suite', () => {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats(ajv);
    const validate = ajv.compile(fleetJsonSchema());
    expect(validate(YAML.parse(readFileSync(fixture('mixed.yaml'), 'utf8')))).toBe(true);
    expect(validate({ tenants: [{ id: 'x1', pbxTenant: { domain: 'd' }, suite: 'office' }] })).toBe(false);
  });
});
