/** Told as each tenant of a fleet command starts and ends: the CLI's live view (a terminal) or progress lines (CI). */
import type { ExitCode } from '../errors';

export interface FleetProgress {
  started(tenant: string): void;
  finished(tenant: string, exitCode: ExitCode): void;
}
