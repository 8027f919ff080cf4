import type { CommandModule } from 'yargs';
import { forEachTenant } from '../../lib/workflow/fleet-runner';
import { readRedirectUris } from '../../lib/workflow/redirect-uris';
import { fleetContext, type PbxArgs } from '../support/context';
import { fleetResult } from '../support/outcomes';
import { runCommand } from '../support/run';

/** `gwkit discover`: the redirect URIs each PBX tenant reports, for the Web client. */
export const discoverCommand: CommandModule<object, PbxArgs> = {
  command: 'discover',
  describe: 'Read the Google redirect URIs each tenant\'s PBX reports (read-only)',
  handler: (args) =>
    runCommand(args, async () => {
      const ctx = fleetContext(args, 'discover');
      await ctx.assertPbxReady();
      const outcomes = await forEachTenant(ctx.tenants, (t) => readRedirectUris(ctx, t));
      return fleetResult(outcomes, ['REDIRECT URI', 'SBC REDIRECT URI'], (r) => [r.redirectUri, r.sbcRedirectUri ?? '-']);
    }),
};
