import type { CommandModule } from 'yargs';
import type { Cli } from '../support/run';
import { clientGuideCommand } from './client-guide';
import { clientImportCommand } from './client-import';
import { clientRotateCommand } from './client-rotate';

/** `gwkit client <guide|import>`: the human step (consent screen + Web client), guided and verified. */
export const clientCommand = (cli: Cli): CommandModule => ({
  command: 'client',
  describe: 'Create the OAuth client in the Console (guided), import it (verified), rotate its secret',
  builder: (y) => y.command(clientGuideCommand(cli)).command(clientImportCommand(cli)).command(clientRotateCommand(cli)).demandCommand(1, 'client: name a subcommand: guide, import or rotate'),
  handler: () => undefined,
});
