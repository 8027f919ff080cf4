import type { CommandModule } from 'yargs';
import type { Cli } from '../support/run';
import { configSchemaCommand } from './config-schema';
import { configValidateCommand } from './config-validate';

/** `gwkit config <validate|schema>`: the fleet file itself. */
export const configCommand = (cli: Cli): CommandModule => ({
  command: 'config',
  describe: 'Check gwkit.yaml, or print its JSON Schema',
  builder: (y) => y.command(configValidateCommand(cli)).command(configSchemaCommand(cli)).demandCommand(1, 'config: name a subcommand: validate or schema'),
  handler: () => undefined,
});
