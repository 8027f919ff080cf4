/**
 * Options more than one command takes: each declared once, so that its name, type and parsing
 * are the same everywhere. Where an option means something particular to a command (what a dry
 * run of it leaves out), the command says so in its own words; the declaration stays here.
 *
 * Command modules pass these to `.options({...})`: yargs' types then give the handler exactly
 * the arguments the builder declares (see command.ts).
 */
import type { CliIo } from '../io';

/** The options every command accepts (registered once, on the root parser, as global). */
export const globalOptions = (env: CliIo['env']) =>
  ({
    config: {
      type: 'string',
      requiresArg: true,
      default: env.GWKIT_CONFIG ?? 'gwkit.yaml',
      describe: 'Fleet config file (env GWKIT_CONFIG)',
      global: true,
    },
    json: { type: 'boolean', default: false, describe: 'Machine-readable output on stdout (logs stay on stderr)', global: true },
    tenant: {
      type: 'string',
      array: true,
      requiresArg: true,
      describe: 'Tenant id to act on (repeat for several: --tenant a --tenant b)',
      global: true,
    },
    all: { type: 'boolean', describe: 'Act on every tenant of the fleet', global: true },
    'ca-file': { type: 'string', requiresArg: true, describe: 'Extra CA (PEM) to trust for the PBX; overrides pbx.caFile', global: true },
  }) as const;

/** `--report FILE`: fleet commands write a report besides their output. */
export const reportOption = {
  report: {
    type: 'string',
    requiresArg: true,
    describe: 'Also write a report: FILE.json, FILE.md or FILE.html (summary by stage, next action and links per tenant)',
  },
} as const;

/** `--dry-run`: every command that writes; `describe` says what this command's dry run leaves out. */
export const dryRunOption = (describe: string) => ({ 'dry-run': { type: 'boolean', describe } }) as const;

/** `--force`: write the client into the PBX even where gwkit's record says it holds it. */
export const forceOption = {
  force: {
    type: 'boolean',
    describe: 'Write the client even where the PBX is known to hold it (a write may reset the Google authorization)',
  },
} as const;

/** `--open`: open in a browser what a person must look at; `describe` names the pages. */
export const openOption = (describe: string) => ({ open: { type: 'boolean', describe } }) as const;

/**
 * `--file` / `--stdin`: where an OAuth client JSON comes from (support/client-source.ts reads it);
 * the descriptions say which download the command wants.
 */
export const clientSourceOptions = (describe: { file: string; stdin: string }) =>
  ({
    file: { type: 'string', requiresArg: true, describe: describe.file },
    stdin: { type: 'boolean', describe: describe.stdin },
  }) as const;
