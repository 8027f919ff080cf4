import { defineCommand } from '../support/command';
import { dryRunOption, reportOption } from '../support/options';
import { fleetResult, runCommand, type Cli } from '../support/run';
import { openSessions } from '../support/sessions';

/** `gwkit verify`: a test mail through Gmail proves consent and the whole integration. */
export const verifyCommand = (cli: Cli) =>
  defineCommand({
    command: 'verify',
    describe: 'Send a test mail through the PBX via Gmail: proof the integration works (mail type GMAIL only where gwkit.yaml opts in)',
    builder: (y) =>
      y
        .options({ ...reportOption, ...dryRunOption('Read the mail settings; change nothing, send nothing') })
        .example('$0 verify --all', 'Prove every tenant (a scheduled job: exit 1 means broken, 3 means waiting on a person)'),
    handler: (args) =>
      runCommand(cli, args, 'verify', async () => {
        const { verifyFleet } = await import('../../lib/workflow/verify');
        const report = await verifyFleet(await openSessions(cli, args, 'verify'), { dryRun: args['dry-run'] });
        return fleetResult(report, ['VERDICT', 'MAIL TYPE', 'RECIPIENT', 'PBX SAYS / LIKELY CAUSE'], (r) => [
          r.verdict,
          `${r.mailType}${r.switchedToGmail ? ' (switched)' : ''}`,
          r.recipient,
          [r.pbxMessage, r.likelyCause].filter(Boolean).join(' — likely cause: ') || '-',
        ]);
      }),
  });
