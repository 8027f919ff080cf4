import { join } from 'node:path';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { Project } from '@cdktf/provider-google/lib/project';
import { Testing } from 'cdktf';
import { loadFleet, type TenantConfig } from '../../lib/config';
import { TenantStack } from '../../stacks/tenant-stack';

const fleet = loadFleet(join(__dirname, '../../gwkit.yaml'));
const tenant = (id: string) => fleet.tenants.find((t) => t.id === id)!;

interface Synth {
  terraform: { backend?: Record<string, unknown>; cloud?: Record<string, unknown> };
  resource: Record<string, Record<string, Record<string, unknown>>>;
  output: Record<string, { value: unknown; depends_on?: string[] }>;
}

function synthTenant(t: TenantConfig): { json: string; doc: Synth } {
  const app = Testing.app();
  const stack = new TenantStack(app, { tenant: t });
  const json = Testing.synth(stack);
  return { json, doc: JSON.parse(json) as Synth };
}

describe('TenantStack', () => {
  test('enables exactly the APIs the features need, plus Secret Manager', () => {
    const services = (t: string) =>
      Object.values(synthTenant(tenant(t)).doc.resource.google_project_service!)
        .map((s) => s.service)
        .sort();
    expect(services('acme')).toEqual([
      'admin.googleapis.com',
      'gmail.googleapis.com',
      'people.googleapis.com',
      'secretmanager.googleapis.com',
    ]);
    expect(services('globex')).toEqual(['gmail.googleapis.com', 'secretmanager.googleapis.com']);
  });

  test('the secret waits for the Secret Manager API; every output waits for every API', () => {
    const { doc } = synthTenant(tenant('acme'));
    const [secret] = Object.values(doc.resource.google_secret_manager_secret!);
    expect(secret!.depends_on).toEqual([expect.stringMatching(/^google_project_service\.apis_secretmanager_/)]);
    // Bare references: Terraform rejects "${...}" in an output's depends_on.
    const serviceRefs = Object.keys(doc.resource.google_project_service!)
      .map((k) => `google_project_service.${k}`)
      .sort();
    for (const name of ['project_id', 'project_number', 'credential_secret_name', 'console_client_create_url']) {
      expect([...(doc.output[name]!.depends_on ?? [])].sort()).toEqual(serviceRefs);
    }
  });

  test('outputs carry the project, the secret and the Console deep links', () => {
    const { doc } = synthTenant(tenant('acme'));
    expect(doc.output.project_id!.value).toMatch(/google_project\.\w+\.project_id/);
    expect(doc.output.credential_secret_name!.value).toMatch(/google_secret_manager_secret\.[\w-]+\.name/);
    expect(doc.output.console_branding_url!.value).toBe('https://console.cloud.google.com/auth/branding?project=pbxgw-acme');
    expect(doc.output.console_audience_url!.value).toBe('https://console.cloud.google.com/auth/audience?project=pbxgw-acme');
    expect(doc.output.console_client_create_url!.value).toBe('https://console.cloud.google.com/auth/clients/create?project=pbxgw-acme');
  });

  test('backends: gcs with a per-tenant prefix, HCP Terraform with a workspace per tenant, local by default', () => {
    expect(synthTenant(tenant('acme')).doc.terraform.backend).toEqual({ gcs: { bucket: 'msp-gwkit-state', prefix: 'gwkit/acme' } });
    expect(synthTenant(tenant('globex')).doc.terraform.cloud).toEqual({
      hostname: 'app.terraform.io',
      organization: 'msp-example',
      workspaces: { name: 'pbx-globex' },
    });
    expect(synthTenant(tenant('initech-lab')).doc.terraform.backend).toEqual({ local: { path: '../../../terraform.initech-lab.tfstate' } });
  });

  test('provider impersonates the deployer and bills quota to the admin project', () => {
    const { json } = synthTenant(tenant('acme'));
    expect(json).toHaveProviderWithProperties(GoogleProvider, {
      impersonate_service_account: 'gwkit-deployer@msp-admin-prj.iam.gserviceaccount.com',
      billing_project: 'msp-admin-prj',
      user_project_override: true,
    });
  });

  test('production is protected, non-production can be destroyed', () => {
    expect(synthTenant(tenant('acme')).json).toHaveResourceWithProperties(Project, { deletion_policy: 'PREVENT' });
    expect(synthTenant(tenant('initech-lab')).json).toHaveResourceWithProperties(Project, {
      deletion_policy: 'DELETE',
      name: 'Initech PBX lab',
    });
  });

  test('no IAP brand or client resources (dead API)', () => {
    for (const t of fleet.tenants) {
      const { doc } = synthTenant(t);
      expect(Object.keys(doc.resource).filter((r) => r.startsWith('google_iap_'))).toEqual([]);
    }
  });
});
