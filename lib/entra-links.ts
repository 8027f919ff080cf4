/**
 * Entra admin center deep links for a Microsoft 365 tenant's application, per national cloud
 * (docs/microsoft-365.md). Pure: stacks put them into outputs, the CLI into reports.
 */
export type NationalCloud = 'global' | 'china';

export interface EntraLinks {
  /** The app registration's overview. */
  readonly appOverview: string;
  /** Its API permissions page: the granted Graph permissions show "Granted for ...". */
  readonly apiPermissions: string;
  /** Its certificates and secrets page. */
  readonly certificates: string;
}

/** Portal roots: the Entra admin center (global), the Azure portal operated by 21Vianet (China). */
const PORTAL: Record<NationalCloud, string> = {
  global: 'https://entra.microsoft.com',
  china: 'https://portal.azure.cn',
};

export function entraLinks(cloud: NationalCloud, applicationId: string): EntraLinks {
  const blade = `${PORTAL[cloud]}/#view/Microsoft_AAD_RegisteredApps/ApplicationMenuBlade/~`;
  return {
    appOverview: `${blade}/Overview/appId/${applicationId}`,
    apiPermissions: `${blade}/CallAnAPI/appId/${applicationId}`,
    certificates: `${blade}/Credentials/appId/${applicationId}`,
  };
}
