import { defineCommand } from '../support/command';
import { reportOption } from '../support/options';
import { runCommand, type Cli } from '../support/run';
import { openSessions } from '../support/sessions';
import { fleetResultBySuite } from '../support/suites';

/** `gwkit status`: each tenant's stage, derived live. Read-only, always. */
export const statusCommand = (cli: Cli) =>
  defineCommand({
    command: 'status',
    describe: "Show each tenant's stage (planned ... verified), derived live from Google or Microsoft 365 and the PBX; read-only",
    builder: (y) =>
      y.options(reportOption).example('$0 status', 'Every tenant').example('$0 status --tenant acme --json', 'One tenant, as JSON'),
    handler: (args) =>
      runCommand(cli, args, 'status', async () => {
        const [{ statusFleet }, { acrossSuites, statusMs365Fleet }] = await Promise.all([
          import('../../lib/workflow/status'),
          import('../../lib/ms365/workflow'),
        ]);
        const sessions = await openSessions(cli, args, 'status', { defaultAll: true, preflight: false });
        const report = await acrossSuites(
          sessions,
          () => statusFleet(sessions),
          () => statusMs365Fleet(sessions),
        );
        const notes = (s: { drift?: readonly string[]; warnings?: readonly string[]; unchecked?: readonly string[] }) => [
          ...(s.drift ?? []).map((d) => `DRIFT: ${d}`),
          ...(s.warnings ?? []).map((w) => `WARNING: ${w}`),
          ...(s.unchecked ?? []).map((u) => `not checked: ${u}`),
        ];
        return fleetResultBySuite(
          report,
          ['PROJECT / DIRECTORY', 'STAGE', 'PBX HOLDS', 'LAST FACT'],
          {
            columns: (s) => [s.projectId, s.stage, s.pbxVersion ? `version ${s.pbxVersion}` : '-', s.facts[s.facts.length - 1] ?? ''],
            notes,
          },
          {
            columns: (s) => [
              s.directoryId,
              s.stage,
              s.applicationId ? `application ${s.applicationId}` : '-',
              s.users !== undefined ? `the PBX read ${s.users} user(s) through Graph` : (s.failure ?? s.facts[s.facts.length - 1] ?? ''),
            ],
            notes,
          },
        );
      }),
  });
