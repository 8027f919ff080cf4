import './cdktf-compat';
import { App } from 'cdktf';
import { InputError } from '../lib/errors';
import type { Ms365TenantConfig, TenantConfig } from '../lib/config/resolve';
import { HcpWorkspacesStack } from './hcp-workspaces-stack';
import { Ms365TenantStack } from './ms365-tenant-stack';
import { TenantStack } from './tenant-stack';

export interface FleetAppProps {
  /** Tenants to synthesize: one stack each. */
  readonly tenants: readonly TenantConfig[];
  /** Microsoft 365 tenants to synthesize: one stack each. @default none */
  readonly microsoft365Tenants?: readonly Ms365TenantConfig[];
  /** Output folder. @default 'cdktf.out' (or CDKTF_OUTDIR when cdktf runs the app) */
  readonly outdir?: string;
  /** Also synthesize the HCP Terraform workspaces of these tenants' cloud backends. @default none */
  readonly hcpWorkspacesOf?: readonly (TenantConfig | Ms365TenantConfig)[];
}

/** Name of the stack that manages the HCP Terraform workspaces (`cdktf deploy hcp-workspaces`). */
export const HCP_WORKSPACES_STACK = 'hcp-workspaces';

/**
 * The cdktf App holding one TenantStack per selected tenant and, when tenants use the `cloud`
 * backend and `hcpWorkspaces` is on, the stack that manages their HCP Terraform workspaces.
 */
export function buildFleetApp(props: FleetAppProps): App {
  const app = new App({ outdir: props.outdir, skipValidation: false });
  for (const tenant of props.tenants) new TenantStack(app, { tenant });
  for (const tenant of props.microsoft365Tenants ?? []) new Ms365TenantStack(app, { tenant });
  if (props.hcpWorkspacesOf) {
    // One workspaces stack; the first cloud tenant's settings name the organization.
    const cloud = props.hcpWorkspacesOf.filter((t) => t.backend.type === 'cloud');
    const settings = new Set(
      cloud.map((t) =>
        t.backend.type === 'cloud' ? `${t.backend.hostname ?? ''}|${t.backend.organization}|${t.backend.workspacePrefix ?? ''}` : '',
      ),
    );
    if (settings.size > 1) {
      throw new InputError(
        `the cloud-backend tenants name ${settings.size} different HCP Terraform organizations, hosts or workspace prefixes; gwkit manages the workspaces of one (set backend in defaults, or manage the others' workspaces yourself)`,
      );
    }
    const first = cloud[0]?.backend;
    if (first?.type === 'cloud') {
      new HcpWorkspacesStack(app, HCP_WORKSPACES_STACK, {
        organization: first.organization,
        hostname: first.hostname,
        workspacePrefix: first.workspacePrefix,
        project: first.project,
        dynamicCredentials: first.dynamicCredentials,
        azureDynamicCredentials: first.azureDynamicCredentials,
        workspaces: cloud.map((t) =>
          'suite' in t ? { tenant: t.id, directoryId: t.microsoft365.directoryId } : { tenant: t.id, projectId: t.projectId },
        ),
      });
    }
  }
  return app;
}
