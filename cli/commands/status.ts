import { defineCommand } from '../support/command';
import { reportOption } from '../support/options';
import { fleetResult, runCommand, type Cli } from '../support/run';
import { openSessions } from '../support/sessions';

/** `gwkit status`: each tenant's stage, derived live. Read-only, always. */
export const statusCommand = (cli: Cli) =>
  defineCommand({
    command: 'status',
    describe: "Show each tenant's stage (planned ... verified), derived live from Google and the PBX; read-only",
    builder: (y) => y.options(reportOption).example('$0 status', 'Every tenant').example('$0 status --tenant acme --json', 'One tenant, as JSON'),
    handler: (args) =>
      runCommand(cli, args, 'status', async () => {
        const { statusFleet } = await import('../../lib/workflow/status');
        const report = await statusFleet(await openSessions(cli, args, 'status', { defaultAll: true, preflight: false }));
        return fleetResult(
          report,
          ['PROJECT', 'STAGE', 'PBX HOLDS', 'LAST FACT'],
          (s) => [s.projectId, s.stage, s.pbxVersion ? `version ${s.pbxVersion}` : '-', s.facts[s.facts.length - 1] ?? ''],
          (s) => [...(s.drift ?? []).map((d) => `DRIFT: ${d}`), ...(s.warnings ?? []).map((w) => `WARNING: ${w}`), ...(s.unchecked ?? []).map((u) => `not checked: ${u}`)],
        );
      }),
  });
