import { commandGroup } from '../support/command';
import type { Cli } from '../support/run';
import { configSchemaCommand } from './config-schema';
import { configValidateCommand } from './config-validate';

/** `gwkit config <validate|schema>`: the fleet file itself. */
export const configCommand = (cli: Cli) =>
  commandGroup({
    command: 'config',
    describe: 'Check gwkit.yaml, or print its JSON Schema',
    subcommands: [configValidateCommand(cli), configSchemaCommand(cli)],
  });
