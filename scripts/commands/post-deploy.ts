import type { Argv, CommandModule } from 'yargs';
import { ExitCode } from '../../lib/errors';
import { forEachTenant, type TenantOutcome } from '../../lib/workflow/fleet-runner';
import { postDeployTenant, type PostDeployResult } from '../../lib/workflow/post-deploy';
import { credentialSecretNameOf, readStackOutputs } from '../../lib/workflow/stack-outputs';
import { describeVerifyFailure, verifyExitCode, waitForVerification, type VerifyResult } from '../../lib/workflow/verify';
import { fleetContext, type PbxArgs } from '../support/context';
import { openUrl } from '../support/open-url';
import { fleetResult } from '../support/outcomes';
import { promptsAllowed } from '../support/prompt';
import { log, runCommand } from '../support/run';

interface PostDeployArgs extends PbxArgs {
  'outputs-file'?: string;
  'dry-run'?: boolean;
  force?: boolean;
  open?: boolean;
  wait?: boolean;
  timeout: number;
  interval: number;
}

/** After --wait, a tenant's stage can reach "verified" and its next action can be none. */
type WaitedResult = Omit<PostDeployResult, 'stage' | 'nextAction'> & {
  stage: PostDeployResult['stage'] | 'verified';
  nextAction?: string;
  verification?: VerifyResult;
};
type Outcome = TenantOutcome<WaitedResult>;

/** `gwkit post-deploy`: write each tenant's client pair into the PBX and hand out the consent link. */
export const postDeployCommand: CommandModule<object, PostDeployArgs> = {
  command: 'post-deploy',
  describe: 'Write the OAuth client into the PBX (only when it differs) and hand out the consent link',
  builder: (yargs: Argv) =>
    yargs
      .option('outputs-file', { type: 'string', describe: 'Stack outputs written by `cdktf deploy --outputs-file` (default: derive from gwkit.yaml)' })
      .option('dry-run', { type: 'boolean', describe: 'Show what would change; write nothing' })
      .option('force', { type: 'boolean', describe: 'Write the client even where the PBX is known to hold it (a write may reset the Google authorization)' })
      .option('open', { type: 'boolean', describe: 'Open the consent link(s) in a browser (on a terminal outside CI; else they are printed)' })
      .option('wait', { type: 'boolean', describe: 'Keep verifying (test mail via Gmail) until consent is given or --timeout' })
      .option('timeout', { type: 'number', default: 900, describe: 'Seconds --wait waits' })
      .option('interval', { type: 'number', default: 10, describe: 'Seconds between --wait attempts' })
      .check((a) => {
        if (!(a.timeout > 0) || !(a.interval > 0)) throw new Error('--timeout and --interval must be positive numbers of seconds');
        return true;
      }) as unknown as Argv<PostDeployArgs>,
  handler: (args) =>
    runCommand(args, async () => {
      const ctx = fleetContext(args, 'post-deploy');
      const outputsFile = args['outputs-file'];
      const outputs = outputsFile ? readStackOutputs(outputsFile) : undefined;
      // Resolve every secret name before any write: a bad outputs file changes nothing anywhere.
      const secretNames = new Map(ctx.tenants.map((t) => [t.id, credentialSecretNameOf(t, outputs, outputsFile)]));
      await ctx.assertPbxReady();
      let outcomes: Outcome[] = await forEachTenant(
        ctx.tenants,
        (t) => postDeployTenant(ctx, t, { secretName: secretNames.get(t.id)!, dryRun: args['dry-run'], force: args.force }),
        // The PBX API cannot tell whether consent was given: the job ends with a person.
        { outcomeOf: (r) => ({ exitCode: ExitCode.WaitingOnPerson, nextAction: r.nextAction }) },
      );

      const pending = outcomes.filter((o) => o.result?.consentUri && !o.result.dryRun);
      if (args.open && pending.length) {
        if (promptsAllowed()) pending.forEach((o) => openUrl(o.result!.consentUri!));
        else log('gwkit: not opening a browser (no terminal, or CI is set); the consent links are printed below');
      }
      if (args.wait && pending.length) {
        // The person being waited for needs the links now, not when the wait ends.
        for (const o of pending) log(`gwkit: ${o.tenant}: consent link: ${o.result!.consentUri}`);
        log(`gwkit: waiting up to ${args.timeout}s for consent, verifying every ${args.interval}s (a test mail is sent once it works)`);
        const verified = await waitForVerification(
          ctx,
          ctx.tenants.filter((t) => pending.some((o) => o.tenant === t.id)),
          {
            timeoutMs: args.timeout * 1000,
            intervalMs: args.interval * 1000,
            onAttempt: (round) => log(`gwkit: verified ${round.filter((r) => r.ok).length}/${round.length} of those still pending`),
          },
        );
        outcomes = outcomes.map((o) => {
          const v = verified.get(o.tenant);
          if (!v || !o.result) return o;
          const timedOut = v.verdict === 'consent-missing';
          const nextAction = v.ok
            ? undefined
            : timedOut
              ? `still missing after ${args.timeout}s: consent. ${o.result.nextAction}`
              : describeVerifyFailure(v);
          return {
            ...o,
            exitCode: verifyExitCode(v),
            result: { ...o.result, stage: v.ok ? 'verified' : o.result.stage, nextAction, verification: v },
            nextAction,
          };
        });
      }

      // The consent link is long: it stands in the "next:" note under the table, not in a column.
      return fleetResult(outcomes, ['CLIENT', 'VERSION', 'PBX', 'STAGE'], (r) => [
        r.clientId,
        String(r.version),
        r.changed ? (r.dryRun ? 'would update' : 'updated') : 'unchanged',
        r.stage,
      ]);
    }),
};
