import { defineCommand } from '../support/command';
import { fleetResult, runCommand, type Cli } from '../support/run';
import { openSessions } from '../support/sessions';

/** `gwkit discover`: the redirect URIs each PBX tenant reports, for the Web client. */
export const discoverCommand = (cli: Cli) =>
  defineCommand({
    command: 'discover',
    describe: "Read the Google redirect URIs each tenant's PBX reports (read-only)",
    builder: (y) => y.example('$0 discover --all', "List every tenant's redirect URIs"),
    handler: (args) =>
      runCommand(cli, args, 'discover', async () => {
        const { discoverFleet } = await import('../../lib/workflow/redirect-uris');
        const report = await discoverFleet(await openSessions(cli, args, 'discover', { google: false }));
        return fleetResult(report, ['REDIRECT URI', 'SBC REDIRECT URI'], (r) => [r.redirectUri, r.sbcRedirectUri ?? '-']);
      }),
  });
