import { Project } from '@cdktf/provider-google/lib/project';
import { ResourceManagerLien } from '@cdktf/provider-google/lib/resource-manager-lien';
import { SecretManagerSecret } from '@cdktf/provider-google/lib/secret-manager-secret';
import { SecretManagerSecretIamMember } from '@cdktf/provider-google/lib/secret-manager-secret-iam-member';
import { SecretManagerSecretVersion } from '@cdktf/provider-google/lib/secret-manager-secret-version';
import { Testing, TerraformStack } from 'cdktf';
import { ClientCredentialSlot } from '../../constructs/client-credential-slot';
import { IntegrationProject } from '../../constructs/integration-project';
import { WorkspaceApis } from '../../constructs/workspace-apis';

const synth = (build: (stack: TerraformStack) => void) => Testing.synthScope((scope) => build(scope as TerraformStack));
const parse = (json: string) => JSON.parse(json) as { resource: Record<string, Record<string, Record<string, unknown>>> };

describe('IntegrationProject', () => {
  const base = { projectId: 'pbxgw-acme', name: 'PBX Google acme', parent: 'folders/123', billingAccount: '01ABCD-23EF45-67ABCD' };

  test('creates a project without a default network, protected by default', () => {
    const out = synth((s) => new IntegrationProject(s, 'project', { ...base, labels: { team: 'voice' } }));
    expect(out).toHaveResourceWithProperties(Project, {
      project_id: 'pbxgw-acme',
      folder_id: '123',
      billing_account: '01ABCD-23EF45-67ABCD',
      auto_create_network: false,
      deletion_policy: 'PREVENT',
      labels: { team: 'voice' },
    });
    expect(out).not.toHaveResource(ResourceManagerLien);
  });

  test('places a lien on the project number when asked', () => {
    const out = synth((s) => new IntegrationProject(s, 'project', { ...base, lien: true, deletionPolicy: 'DELETE' }));
    expect(out).toHaveResourceWithProperties(Project, { deletion_policy: 'DELETE' });
    expect(out).toHaveResourceWithProperties(ResourceManagerLien, {
      restrictions: ['resourcemanager.projects.delete'],
      origin: 'gwkit',
      parent: expect.stringMatching(/^projects\/\$\{google_project\.\w+\.number\}$/),
    });
  });

  test('validates eagerly, naming the bad value', () => {
    expect(() => synth((s) => new IntegrationProject(s, 'p', { ...base, projectId: 'Bad_Id' }))).toThrow(/projectId "Bad_Id" is invalid/);
    expect(() => synth((s) => new IntegrationProject(s, 'p', { ...base, projectId: 'pbx-google-acme' }))).toThrow(
      /Google refuses project ids containing "google"/,
    );
    expect(() => synth((s) => new IntegrationProject(s, 'p', { ...base, parent: 'folder/123' }))).toThrow(
      /parent "folder\/123" is invalid; use folders\/NUMBER or organizations\/NUMBER/,
    );
    // An organization parent sets org_id, not folder_id.
    const doc = JSON.parse(synth((s) => new IntegrationProject(s, 'p', { ...base, parent: 'organizations/9' })));
    expect(Object.values(doc.resource.google_project)[0]).toMatchObject({ org_id: '9' });
  });
});

describe('WorkspaceApis', () => {
  test('one resource per service, kept on destroy, ids named after the service', () => {
    const out = synth(
      (s) =>
        new WorkspaceApis(s, 'apis', {
          projectId: 'p-1234',
          services: ['people.googleapis.com', 'gmail.googleapis.com', 'gmail.googleapis.com'],
        }),
    );
    const services = parse(out).resource.google_project_service!;
    expect(Object.keys(services).map((k) => k.replace(/_[0-9A-F]{8}$/, ''))).toEqual(['apis_gmail', 'apis_people']);
    for (const s of Object.values(services)) expect(s).toMatchObject({ disable_on_destroy: false, project: 'p-1234' });
  });

  test('rejects something that is not a service name', () => {
    expect(() => synth((s) => new WorkspaceApis(s, 'apis', { projectId: 'p', services: ['gmail'] }))).toThrow(
      /"gmail" is not a service name/,
    );
  });
});

describe('ClientCredentialSlot', () => {
  test('a secret without any version, with IAM for importers and readers', () => {
    const out = synth((s) => {
      new ClientCredentialSlot(s, 'slot', {
        projectId: 'p-1234',
        importers: ['group:ops@example.com'],
        readers: ['serviceAccount:ci@p.iam.gserviceaccount.com'],
      });
    });
    expect(out).toHaveResourceWithProperties(SecretManagerSecret, { secret_id: 'gwkit-oauth-client', replication: { auto: {} } });
    // The value is added through the API by `gwkit client import`, never through Terraform state.
    expect(out).not.toHaveResource(SecretManagerSecretVersion);
    expect(out).toHaveResourceWithProperties(SecretManagerSecretIamMember, {
      member: 'group:ops@example.com',
      role: 'roles/secretmanager.secretVersionAdder',
    });
    expect(out).toHaveResourceWithProperties(SecretManagerSecretIamMember, {
      member: 'serviceAccount:ci@p.iam.gserviceaccount.com',
      role: 'roles/secretmanager.secretAccessor',
    });
  });
});
