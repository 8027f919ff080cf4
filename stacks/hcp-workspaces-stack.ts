/**
 * HcpWorkspacesStack: the HCP Terraform workspaces of the fleet, as code, so that remote runs do
 * the applies in parallel, one workspace per tenant (the tenant stacks' `cloud` backend names
 * them). Each workspace runs remotely, is tagged with the tenant, and, when configured, gets
 * credentials without key files or secrets (HCP Terraform dynamic provider credentials): for GCP
 * on a Google Workspace tenant's workspace, for Azure (the azuread provider) on a Microsoft 365 one.
 *
 * Its own state lives in one more workspace of the organization (PREFIX + "workspaces"); the
 * HCP Terraform token comes from TFE_TOKEN at deploy time, never from gwkit.yaml.
 */
import { Variable } from '@cdktf/provider-tfe/lib/variable';
import { Workspace } from '@cdktf/provider-tfe/lib/workspace';
import { TfeProvider } from '@cdktf/provider-tfe/lib/provider';
import { CloudBackend, NamedCloudWorkspace, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { SETTING_DEFAULTS } from '../lib/config/schema';

export interface HcpWorkspace {
  /** Tenant id: the workspace is PREFIX + this. */
  readonly tenant: string;
  /** The Google Cloud project of a Google Workspace tenant. */
  readonly projectId?: string;
  /** The Entra directory of a Microsoft 365 tenant (its runs need Azure credentials, not Google's). */
  readonly directoryId?: string;
}

export interface HcpWorkspacesStackProps {
  readonly organization: string;
  /** @default 'app.terraform.io' */
  readonly hostname?: string;
  /** @default 'gwkit-' */
  readonly workspacePrefix?: string;
  /** HCP Terraform project (prj-...). @default the organization's default project */
  readonly project?: string;
  /** Google credentials for runs through workload identity. @default none */
  readonly dynamicCredentials?: { readonly workloadProvider: string; readonly serviceAccount: string };
  /** Azure credentials for Microsoft 365 tenants' runs: the Entra app that trusts HCP Terraform's tokens. @default none */
  readonly azureDynamicCredentials?: { readonly runClientId: string };
  readonly workspaces: readonly HcpWorkspace[];
}

export class HcpWorkspacesStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: HcpWorkspacesStackProps) {
    super(scope, id);
    const prefix = props.workspacePrefix ?? SETTING_DEFAULTS.backend.workspacePrefix;
    const hostname = props.hostname ?? SETTING_DEFAULTS.backend.cloudHostname;
    new CloudBackend(this, { hostname, organization: props.organization, workspaces: new NamedCloudWorkspace(`${prefix}workspaces`) });
    new TfeProvider(this, 'tfe', { hostname });
    for (const w of props.workspaces) {
      // Resource ids are the tenant ids: stable, so a workspace is never replaced by a rename elsewhere.
      const workspace = new Workspace(this, `workspace-${w.tenant}`, {
        name: `${prefix}${w.tenant}`,
        organization: props.organization,
        projectId: props.project,
        executionMode: 'remote',
        tagNames: ['gwkit', `tenant-${w.tenant}`],
        description: w.directoryId
          ? `gwkit tenant ${w.tenant}: Microsoft Entra directory ${w.directoryId}`
          : `gwkit tenant ${w.tenant}: Google Cloud project ${w.projectId}`,
      });
      const env = (key: string, value: string) =>
        new Variable(this, `${w.tenant}-${key.toLowerCase()}`, { workspaceId: workspace.id, category: 'env', key, value });
      const azure = props.azureDynamicCredentials;
      if (azure && w.directoryId) {
        // The stack's provider names the customer's directory (tenant_id); the run signs in there as this app.
        env('TFC_AZURE_PROVIDER_AUTH', 'true');
        env('TFC_AZURE_RUN_CLIENT_ID', azure.runClientId);
      }
      const creds = props.dynamicCredentials;
      if (creds && !w.directoryId) {
        env('TFC_GCP_PROVIDER_AUTH', 'true');
        env('TFC_GCP_WORKLOAD_PROVIDER_NAME', creds.workloadProvider);
        env('TFC_GCP_RUN_SERVICE_ACCOUNT_EMAIL', creds.serviceAccount);
      }
    }
  }
}
