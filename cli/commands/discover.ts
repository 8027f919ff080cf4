import { defineCommand } from '../support/command';
import { runCommand, type Cli } from '../support/run';
import { openSessions } from '../support/sessions';
import { fleetResultBySuite } from '../support/suites';

/** `gwkit discover`: the redirect URIs each PBX tenant reports (Google: for the Web client; Microsoft 365: recorded for the stack, with the PBX's certificate). */
export const discoverCommand = (cli: Cli) =>
  defineCommand({
    command: 'discover',
    describe:
      "Read the redirect URIs each tenant's PBX reports (read-only for Google Workspace); for Microsoft 365 tenants also its certificate (generated only when it has none), recorded in pbx-facts/TENANT.json for the stack",
    builder: (y) => y.example('$0 discover --all', "List every tenant's redirect URIs"),
    handler: (args) =>
      runCommand(cli, args, 'discover', async () => {
        const [{ discoverFleet }, { acrossSuites, discoverMs365Fleet }] = await Promise.all([
          import('../../lib/workflow/redirect-uris'),
          import('../../lib/ms365/workflow'),
        ]);
        const sessions = await openSessions(cli, args, 'discover', { google: false });
        const report = await acrossSuites(
          sessions,
          () => discoverFleet(sessions),
          () => discoverMs365Fleet(sessions),
        );
        return fleetResultBySuite(
          report,
          ['REDIRECT URI', 'SBC REDIRECT URI', 'CERTIFICATE'],
          { columns: (r) => [r.redirectUri, r.sbcRedirectUri ?? '-', '-'] },
          {
            columns: (r) => [
              r.redirectUris[0]!,
              r.redirectUris[1] ?? '-',
              `${r.certificate.thumbprint}${r.generated ? ' (generated)' : ''}, until ${r.certificate.notAfter.slice(0, 10)}`,
            ],
            notes: (r) => [r.changed ? `recorded in ${r.factsFile}` : `${r.factsFile} unchanged`],
          },
        );
      }),
  });
