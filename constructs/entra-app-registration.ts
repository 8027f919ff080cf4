import { Application } from '@cdktf/provider-azuread/lib/application';
import { ApplicationCertificate } from '@cdktf/provider-azuread/lib/application-certificate';
import { ServicePrincipal } from '@cdktf/provider-azuread/lib/service-principal';
import { Construct } from 'constructs';
import { MICROSOFT_GRAPH_APP_ID, type MicrosoftGraphPrincipal } from './entra-graph-consent';

/** A public X.509 certificate the application accepts as its credential. */
export interface EntraCertificate {
  /** PEM of the certificate (public; the private key stays where it was generated). */
  readonly pem: string;
  /** SHA-1 thumbprint, uppercase hex: names the credential's resource. */
  readonly thumbprint: string;
  /** RFC 3339 validity of the certificate. */
  readonly notBefore: string;
  readonly notAfter: string;
}

export interface EntraAppRegistrationProps {
  readonly displayName: string;
  /** Web redirect URIs, exactly as the PBX reports them. */
  readonly redirectUris: readonly string[];
  /** At least one; two while a renewal overlaps the old certificate and the new one. */
  readonly certificates: readonly EntraCertificate[];
  /** Graph's service principal, for the role ids of `graphPermissions`. */
  readonly graph: MicrosoftGraphPrincipal;
  /** Graph application permissions the app declares (consent: EntraGraphConsent). */
  readonly graphPermissions: readonly string[];
}

/**
 * A single-tenant Entra application for a PBX tenant, with its service principal:
 * - Web platform with the PBX's redirect URIs, and ID tokens issued (PortSIP's sign-in needs them);
 * - the PBX's certificate(s) as the only credential: there is no client secret anywhere;
 * - the Graph application permissions it declares (required_resource_access, type Role).
 *
 * One certificate credential per thumbprint: a renewal adds the new certificate next to the old
 * one instead of replacing it (every argument of azuread_application_certificate forces
 * replacement), and the old one goes when it leaves the list.
 */
export class EntraAppRegistration extends Construct {
  readonly application: Application;
  readonly servicePrincipal: ServicePrincipal;
  readonly certificates: readonly ApplicationCertificate[];

  constructor(scope: Construct, id: string, props: EntraAppRegistrationProps) {
    super(scope, id);
    const bad = props.redirectUris.filter((u) => !/^https:\/\/[^\s/]+/.test(u));
    if (bad.length || props.redirectUris.length === 0) {
      throw new Error(
        `EntraAppRegistration ${this.node.path}: redirect URIs must be https URLs, at least one (got ${JSON.stringify(props.redirectUris)})`,
      );
    }
    if (props.certificates.length === 0)
      throw new Error(`EntraAppRegistration ${this.node.path}: no certificate; the app would have no credential`);
    const permissions = [...new Set(props.graphPermissions)].sort();

    this.application = new Application(this, 'app', {
      displayName: props.displayName,
      signInAudience: 'AzureADMyOrg',
      preventDuplicateNames: true,
      web: {
        redirectUris: [...new Set(props.redirectUris)].sort(),
        implicitGrant: { idTokenIssuanceEnabled: true, accessTokenIssuanceEnabled: false },
      },
      requiredResourceAccess: [
        {
          resourceAppId: MICROSOFT_GRAPH_APP_ID,
          resourceAccess: permissions.map((name) => ({ id: props.graph.roleId(name), type: 'Role' })),
        },
      ],
    });

    const seen = new Set<string>();
    this.certificates = props.certificates
      .filter((c) => !seen.has(c.thumbprint) && seen.add(c.thumbprint))
      .map(
        (cert) =>
          new ApplicationCertificate(this, `certificate-${cert.thumbprint}`, {
            applicationId: this.application.id,
            type: 'AsymmetricX509Cert',
            encoding: 'pem',
            value: cert.pem,
            startDate: cert.notBefore,
            endDate: cert.notAfter,
          }),
      );

    this.servicePrincipal = new ServicePrincipal(this, 'service-principal', {
      clientId: this.application.clientId,
      appRoleAssignmentRequired: false,
    });
  }
}
