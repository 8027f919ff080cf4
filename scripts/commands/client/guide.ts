import type { Argv, CommandModule } from 'yargs';
import { buildClientGuide, renderClientGuide } from '../../../lib/workflow/client-guide';
import { singleTenantContext, type PbxArgs } from '../../support/context';
import { openUrl } from '../../support/open-url';
import { runCommand } from '../../support/run';

interface GuideArgs extends PbxArgs {
  open?: boolean;
}

/** `gwkit client guide --tenant X`: exact Console values and deep links for one tenant. */
export const guideCommand: CommandModule<object, GuideArgs> = {
  command: 'guide',
  describe: 'Show the exact consent-screen and Web-client values for one tenant, with Console links',
  builder: (yargs: Argv) =>
    yargs.option('open', { type: 'boolean', describe: 'Open the Console pages in a browser' }) as Argv<GuideArgs>,
  handler: (args) =>
    runCommand(args, async () => {
      const { ctx, tenant } = singleTenantContext(args, 'client guide');
      await ctx.assertPbxReady();
      const guide = await buildClientGuide(ctx, tenant);
      if (args.open) for (const url of [guide.links.branding, guide.links.audience, guide.links.createClient]) openUrl(url);
      return { data: guide, human: () => renderClientGuide(guide) };
    }),
};
