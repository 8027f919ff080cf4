import { defineCommand } from '../support/command';
import { handOutConsentLinks } from '../support/consent-links';
import { dryRunOption, forceOption, openOption } from '../support/options';
import { runCommand, type Cli } from '../support/run';
import { openSessions } from '../support/sessions';
import { fleetResultBySuite } from '../support/suites';

/** `gwkit post-deploy`: write each tenant's client pair into the PBX and hand out the consent link. */
export const postDeployCommand = (cli: Cli) =>
  defineCommand({
    command: 'post-deploy',
    describe:
      'Write the OAuth client into the PBX (only when it does not hold it) and hand out the consent link; for Microsoft 365 tenants, the application and directory ids and the options (needs --outputs-file)',
    builder: (y) =>
      y
        .options({
          'outputs-file': {
            type: 'string',
            requiresArg: true,
            describe:
              'Stack outputs written by `cdktn deploy --outputs-file` (default: derive from gwkit.yaml; Microsoft 365 tenants need it: the application id)',
          },
          ...dryRunOption('Show what would change; write nothing'),
          ...forceOption,
          ...openOption('Open the consent link(s) in a browser (on a terminal outside CI; else they are printed)'),
          wait: { type: 'boolean', describe: 'Keep verifying (test mail via Gmail) until consent is given or --timeout' },
          timeout: { type: 'number', requiresArg: true, default: 900, describe: 'Seconds --wait waits' },
          interval: {
            type: 'number',
            requiresArg: true,
            default: 10,
            describe: 'Seconds between --wait attempts (at least 2: each attempt costs PBX requests)',
          },
        })
        .check((a) => {
          if (!(a.timeout > 0) || !(a.interval >= 2))
            throw new Error('--timeout must be a positive number of seconds and --interval at least 2');
          return true;
        })
        .example('$0 post-deploy --tenant acme --open --wait', 'Write, open the consent page, wait for proof'),
    handler: (args) =>
      runCommand(cli, args, 'post-deploy', async () => {
        const { postDeployAcrossSuites } = await import('../../lib/ms365/workflow');
        const sessions = await openSessions(cli, args, 'post-deploy', { preflight: false });
        const report = await postDeployAcrossSuites(sessions, {
          outputsFile: args['outputs-file'],
          dryRun: args['dry-run'],
          force: args.force,
          wait: args.wait ? { timeoutMs: args.timeout * 1000, intervalMs: args.interval * 1000 } : undefined,
          onConsentLinks: handOutConsentLinks(cli.io, args),
        });
        const pbxColumn = (r: { changed: boolean; dryRun: boolean }) => (r.changed ? (r.dryRun ? 'would update' : 'updated') : 'unchanged');
        return fleetResultBySuite(
          report,
          ['CLIENT / APPLICATION', 'VERSION', 'PBX', 'STAGE'],
          { columns: (r) => [r.clientId, String(r.version), pbxColumn(r), r.stage] },
          {
            columns: (r) => [r.applicationId ?? '-', '-', r.written?.length ? 'updated' : 'unchanged', r.stage],
            notes: (r) => r.facts.slice(1),
          },
        );
      }),
  });
