import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import {
  CloudBackend,
  GcsBackend,
  LocalBackend,
  NamedCloudWorkspace,
  TerraformOutput,
  TerraformStack,
  type ITerraformDependable,
  type TerraformResource,
} from 'cdktf';
import type { Construct } from 'constructs';
import { ClientCredentialSlot } from '../constructs/client-credential-slot';
import { IntegrationProject } from '../constructs/integration-project';
import { WorkspaceApis } from '../constructs/workspace-apis';
import type { TenantConfig } from '../lib/config/resolve';
import { SETTING_DEFAULTS } from '../lib/config/schema';
import { consoleLinks } from '../lib/console-links';

export interface TenantStackProps {
  /** The tenant, fully resolved from gwkit.yaml. */
  readonly tenant: TenantConfig;
}

/**
 * Everything Terraform manages for one PBX tenant, in a state of its own: the project, its APIs
 * and the empty slot for the OAuth client. The stack name is the tenant id.
 *
 * Output names are a contract: `gwkit post-deploy` and `gwkit status` read them.
 */
export class TenantStack extends TerraformStack {
  constructor(scope: Construct, props: TenantStackProps) {
    const { tenant } = props;
    super(scope, tenant.id);

    configureBackend(this, tenant);
    new GoogleProvider(this, 'google', {
      impersonateServiceAccount: tenant.provider.impersonateServiceAccount,
      billingProject: tenant.provider.billingProject,
      userProjectOverride: tenant.provider.billingProject ? true : undefined,
    });

    const project = new IntegrationProject(this, 'project', {
      projectId: tenant.projectId,
      name: tenant.projectName,
      parent: `${tenant.parent.kind === 'folder' ? 'folders' : 'organizations'}/${tenant.parent.id}`,
      billingAccount: tenant.billingAccount,
      labels: tenant.labels,
      deletionPolicy: tenant.deletionPolicy,
      lien: tenant.lien,
      lienReason: `PortSIP PBX Google Workspace integration for tenant ${tenant.id} (gwkit)`,
    });

    const apis = new WorkspaceApis(this, 'apis', { projectId: project.projectId, services: tenant.apis });

    const slot = new ClientCredentialSlot(this, 'client-credentials', {
      projectId: project.projectId,
      secretId: tenant.credentialSecretId,
      importers: tenant.secretAccess.importers,
      readers: tenant.secretAccess.readers,
      labels: { 'managed-by': 'gwkit', 'gwkit-tenant': tenant.id },
      dependsOn: [apis.service('secretmanager.googleapis.com')],
    });

    // Outputs wait for every API: whoever reads them (CLI, other stacks) never races enablement.
    const ready = apis.services.map(staticReference);
    const output = (id: string, value: string, description: string) =>
      new TerraformOutput(this, id, { value, description, dependsOn: ready });
    output('project_id', project.projectId, 'Google Cloud project id of the integration');
    output('project_number', project.projectNumber, 'Google Cloud project number');
    output('credential_secret_name', slot.secretName, 'Secret Manager secret that holds the OAuth client pair');
    new TerraformOutput(this, 'enabled_apis', {
      value: apis.services.map((s) => s.service),
      dependsOn: ready,
      description: 'Google APIs enabled for this tenant',
    });
    const links = consoleLinks(tenant.projectId);
    output('console_branding_url', links.branding, 'Consent screen: app name, support email (human step)');
    output('console_audience_url', links.audience, 'Consent screen: External audience, publish to production (human step)');
    output('console_client_create_url', links.createClient, 'Create the Web application OAuth client (human step)');
  }
}

/**
 * A dependency Terraform accepts in an output's depends_on. cdktf 0.21 renders TerraformOutput
 * dependsOn as "${type.name}", which `terraform init` rejects ("A single static variable reference
 * is required"); outputs need the bare reference.
 */
export function staticReference(resource: TerraformResource): ITerraformDependable {
  return { fqn: `${resource.terraformResourceType}.${resource.friendlyUniqueId}` };
}

/** The tenant's own Terraform state (every suite's stack). */
export function configureBackend(stack: TerraformStack, tenant: Pick<TenantConfig, 'id' | 'backend'>): void {
  const backend = tenant.backend;
  switch (backend.type) {
    case 'local':
      // Relative to the stack's working directory, cdktf.out/stacks/ID: keeps synth output free of
      // machine-specific absolute paths while the state file lives in the project directory.
      new LocalBackend(stack, { path: backend.path ?? `../../../terraform.${tenant.id}.tfstate` });
      return;
    case 'gcs':
      new GcsBackend(stack, { bucket: backend.bucket, prefix: `${backend.prefix ?? SETTING_DEFAULTS.backend.gcsPrefix}/${tenant.id}` });
      return;
    case 'cloud':
      new CloudBackend(stack, {
        hostname: backend.hostname ?? SETTING_DEFAULTS.backend.cloudHostname,
        organization: backend.organization,
        workspaces: new NamedCloudWorkspace(`${backend.workspacePrefix ?? SETTING_DEFAULTS.backend.workspacePrefix}${tenant.id}`),
      });
      return;
  }
}
