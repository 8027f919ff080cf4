/**
 * The one step Google offers no API for (docs/google-cloud.md): consent screen and Web client in the
 * Console. The guide gives the exact values, with the redirect URIs read live from the PBX.
 */
import type { TenantConfig } from '../config';
import { consoleLinks, type ConsoleLinks } from '../console-links';
import { gwkitCommand } from './printed-commands';
import type { SessionProvider } from './session-provider';
import { readRedirectUris } from './redirect-uris';

export interface ClientGuide {
  readonly tenant: string;
  readonly projectId: string;
  readonly links: ConsoleLinks;
  readonly consentScreen: {
    readonly appName: string;
    readonly supportEmail: string;
    readonly developerEmail: string;
    readonly audience: 'Internal' | 'External';
    /** Only External apps have a publishing status; Internal ones are never in "Testing". */
    readonly publishingStatus?: 'In production';
  };
  readonly client: { readonly applicationType: 'Web application'; readonly name: string; readonly redirectUris: readonly string[] };
  /** The command that finishes the step. */
  readonly next: string;
}

export async function buildClientGuide(ctx: SessionProvider, tenant: TenantConfig): Promise<ClientGuide> {
  const uris = await readRedirectUris(ctx, tenant);
  return {
    tenant: tenant.id,
    projectId: tenant.projectId,
    links: consoleLinks(tenant.projectId),
    consentScreen:
      tenant.consentScreen.audience === 'internal'
        ? {
            appName: tenant.consentScreen.appName,
            supportEmail: tenant.consentScreen.supportEmail,
            developerEmail: tenant.consentScreen.developerEmail,
            audience: 'Internal',
          }
        : {
            appName: tenant.consentScreen.appName,
            supportEmail: tenant.consentScreen.supportEmail,
            developerEmail: tenant.consentScreen.developerEmail,
            audience: 'External',
            publishingStatus: 'In production',
          },
    client: { applicationType: 'Web application', name: `${tenant.consentScreen.appName} (${tenant.id})`, redirectUris: uris.all },
    next: gwkitCommand(`client import --tenant ${tenant.id} --file <client_secret.json>`),
  };
}

export function renderClientGuide(g: ClientGuide): string {
  return [
    `Google Cloud Console steps for tenant ${g.tenant} (project ${g.projectId}). Google has no API for these; about two minutes.`,
    '',
    `1. Branding: ${g.links.branding}`,
    '   (a new project first shows "Get started": it asks for the same values)',
    `   App name:                 ${g.consentScreen.appName}`,
    `   User support email:       ${g.consentScreen.supportEmail}`,
    `   Developer contact email:  ${g.consentScreen.developerEmail}`,
    '',
    `2. Audience: ${g.links.audience}`,
    ...(g.consentScreen.audience === 'Internal'
      ? [
          "   User type: Internal (consentScreen.audience: internal: the project is in the customer's own",
          '   Cloud organization). Only its users can consent: no unverified-app screen, no 100-user cap,',
          '   and no 7-day token expiry. If Internal is greyed out, the project is not in that organization:',
          '   set consentScreen.audience: external.',
        ]
      : [
          '   User type: External, then "Publish app" so the status reads "In production".',
          '   Why: an External app left in "Testing" gets refresh tokens that expire after 7 days,',
          '   and the PBX would silently stop sending mail a week later. https://mail.google.com/ is a',
          '   restricted scope: under 100 users may click through the unverified-app screen; beyond that',
          "   Google wants verification. A project in the customer's own organization can use Internal",
          '   instead (consentScreen.audience: internal).',
        ]),
    '',
    `3. Create the OAuth client: ${g.links.createClient}`,
    `   Application type:         ${g.client.applicationType}`,
    `   Name:                     ${g.client.name}`,
    '   Authorized redirect URIs (every one, exactly as written):',
    ...g.client.redirectUris.map((u) => `     ${u}`),
    '   Create, then "Download JSON".',
    '',
    `4. Import it (checks project, redirect URIs and the secret; stores it in Secret Manager):`,
    `   ${g.next}`,
  ].join('\n');
}
