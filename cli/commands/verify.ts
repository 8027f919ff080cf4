import { defineCommand } from '../support/command';
import { dryRunOption, reportOption } from '../support/options';
import { runCommand, type Cli } from '../support/run';
import { openSessions } from '../support/sessions';
import { fleetResultBySuite } from '../support/suites';

/** `gwkit verify`: a test mail through Gmail proves consent and the whole integration. */
export const verifyCommand = (cli: Cli) =>
  defineCommand({
    command: 'verify',
    describe:
      'Prove each integration works: Google Workspace by a test mail through the PBX via Gmail (mail type GMAIL only where gwkit.yaml opts in), Microsoft 365 by the PBX reading users through Graph',
    builder: (y) =>
      y
        .options({ ...reportOption, ...dryRunOption('Read the mail settings; change nothing, send nothing') })
        .example('$0 verify --all', 'Prove every tenant (a scheduled job: exit 1 means broken, 3 means waiting on a person)'),
    handler: (args) =>
      runCommand(cli, args, 'verify', async () => {
        const [{ verifyFleet }, { acrossSuites, verifyMs365Fleet }] = await Promise.all([
          import('../../lib/workflow/verify'),
          import('../../lib/ms365/workflow'),
        ]);
        const sessions = await openSessions(cli, args, 'verify');
        // A Microsoft 365 proof is a read (the PBX reads users through Graph): a dry run does it too.
        const report = await acrossSuites(
          sessions,
          () => verifyFleet(sessions, { dryRun: args['dry-run'] }),
          () => verifyMs365Fleet(sessions),
        );
        return fleetResultBySuite(
          report,
          ['VERDICT', 'MAIL TYPE', 'RECIPIENT', 'PBX SAYS / LIKELY CAUSE'],
          {
            columns: (r) => [
              r.verdict,
              `${r.mailType}${r.switchedToGmail ? ' (switched)' : ''}`,
              r.recipient,
              [r.pbxMessage, r.likelyCause].filter(Boolean).join(' — likely cause: ') || '-',
            ],
          },
          { columns: (r) => [r.stage, '-', r.users !== undefined ? `${r.users} user(s) read through Graph` : '-', r.failure ?? '-'] },
        );
      }),
  });
