/** `--report FILE`: checked before anything happens (exit 2), written when the command ends. */
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InputError } from '../../lib/errors';
import type { FleetReport } from '../../lib/workflow/fleet-runner';

export function checkReportFile(file: string | undefined): void {
  if (file === undefined) return;
  if (!/\.(json|md|markdown|html?)$/i.test(file))
    throw new InputError(`--report: ${file}: name a .json, .md or .html file (the ending chooses the format)`);
  const dir = dirname(resolve(file));
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InputError(`--report: the folder of ${file} does not exist`);
  if (existsSync(file) && statSync(file).isDirectory()) throw new InputError(`--report: ${file} is a directory; expected a file name`);
}

export async function writeReportFile(file: string, command: string, report: FleetReport<unknown>): Promise<void> {
  const { buildReport, renderReport } = await import('../../lib/report/fleet-report');
  const notReached = report.tenants.filter((t) => t.notReached).map((t) => t.tenant);
  const reached = { ...report, tenants: report.tenants.filter((t) => !t.notReached) };
  writeFileSync(file, renderReport(buildReport(command, reached, { notReached }), file));
}
