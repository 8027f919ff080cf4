import { AzureadProvider } from '@cdktf/provider-azuread/lib/provider';
import { TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { EntraAppRegistration } from '../constructs/entra-app-registration';
import { EntraGraphConsent, MicrosoftGraphPrincipal } from '../constructs/entra-graph-consent';
import type { Ms365TenantConfig } from '../lib/config/resolve';
import { entraLinks } from '../lib/entra-links';
import { configureBackend, staticReference } from './tenant-stack';

export interface Ms365TenantStackProps {
  readonly tenant: Ms365TenantConfig;
}

/**
 * Everything Terraform manages for one Microsoft 365 tenant, in a state of its own: the Entra
 * application with the PBX's redirect URIs and certificate, its service principal, and the admin
 * consent to the Graph application permissions the tenant's features need. The stack name is the
 * tenant id. The redirect URIs and certificate come from the tenant's PBX facts file (written by
 * `gwkit discover`), so synth stays offline.
 *
 * Credentials: the azuread provider's own (Azure CLI login by default; OIDC in CI with
 * ARM_USE_OIDC, ARM_CLIENT_ID; ARM_ENVIRONMENT=china for the China cloud): nothing in a file.
 * Output names are a contract: `gwkit post-deploy` reads them.
 */
export class Ms365TenantStack extends TerraformStack {
  constructor(scope: Construct, props: Ms365TenantStackProps) {
    const { tenant } = props;
    super(scope, tenant.id);
    const m = tenant.microsoft365;
    if (!m.facts)
      throw new Error(`tenant "${tenant.id}": no PBX facts at ${m.factsFile}; the stack needs the PBX's redirect URIs and certificate`);

    configureBackend(this, tenant);
    new AzureadProvider(this, 'azuread', { tenantId: m.directoryId, environment: m.nationalCloud });

    const graph = new MicrosoftGraphPrincipal(this, 'microsoft-graph');
    const app = new EntraAppRegistration(this, 'entra', {
      displayName: m.appName,
      redirectUris: m.facts.redirectUris,
      certificates: m.facts.certificates,
      graph,
      graphPermissions: m.graphPermissions,
    });
    const consent = new EntraGraphConsent(this, 'graph-consent', {
      graph,
      principalObjectId: app.servicePrincipal.objectId,
      permissions: m.graphPermissions,
    });

    // Outputs wait for the consent and the certificates: whoever reads them (post-deploy) finds an app that can get tokens.
    const ready = [...consent.assignments, ...app.certificates].map(staticReference);
    const output = (id: string, value: string | string[], description: string) =>
      new TerraformOutput(this, id, { value, description, dependsOn: ready });
    output('application_id', app.application.clientId, 'Application (client) ID of the Entra app: goes into the PBX');
    output('directory_id', m.directoryId, 'Directory (tenant) ID');
    output('application_object_id', app.application.objectId, 'Object ID of the application');
    output(
      'service_principal_object_id',
      app.servicePrincipal.objectId,
      'Object ID of the service principal (the consent is granted to it)',
    );
    output('graph_permissions', [...m.graphPermissions], 'Microsoft Graph application permissions granted');
    output(
      'certificate_thumbprints',
      m.facts.certificates.map((c) => c.thumbprint),
      'Thumbprints of the PBX certificates registered on the app',
    );
    const links = entraLinks(m.nationalCloud, app.application.clientId);
    output('entra_app_url', links.appOverview, 'Entra admin center: the app registration');
    output('entra_api_permissions_url', links.apiPermissions, 'Entra admin center: API permissions and their consent');
    output('entra_certificates_url', links.certificates, 'Entra admin center: certificates');
  }
}
