import type { Argv, CommandModule } from 'yargs';
import { schemaCommand } from './config/schema';
import { validateCommand } from './config/validate';

/** `gwkit config <validate|schema>`: work with gwkit.yaml itself. */
export const configCommand: CommandModule = {
  command: 'config <command>',
  describe: 'Validate gwkit.yaml or print its JSON Schema',
  builder: (yargs: Argv) => yargs.command(validateCommand).command(schemaCommand).demandCommand(1),
  handler: () => undefined,
};
