import { defineCommand } from '../support/command';
import { openOption } from '../support/options';
import { runCommand, type Cli } from '../support/run';
import { openSingleTenant } from '../support/sessions';

/** `gwkit client guide --tenant X`: exact Console values and deep links for one tenant. */
export const clientGuideCommand = (cli: Cli) =>
  defineCommand({
    command: 'guide',
    describe: 'Show the exact consent-screen and Web-client values for one tenant, with Console links',
    builder: (y) =>
      y
        .options(openOption('Open the Console pages in a browser'))
        .example('$0 client guide --tenant acme --open', 'Values and links for acme, pages opened'),
    handler: (args) =>
      runCommand(cli, args, 'client guide', async () => {
        const { buildClientGuide, renderClientGuide } = await import('../../lib/workflow/client-guide');
        const { sessions, tenant } = await openSingleTenant(cli, args, 'client guide', { suites: 'google' });
        const guide = await buildClientGuide(sessions, tenant);
        if (args.open) for (const url of [guide.links.branding, guide.links.audience, guide.links.createClient]) cli.io.openUrl(url);
        return { json: { result: guide }, human: () => renderClientGuide(guide) };
      }),
  });
