import { commandGroup } from '../support/command';
import type { Cli } from '../support/run';
import { clientGuideCommand } from './client-guide';
import { clientImportCommand } from './client-import';
import { clientRotateCommand } from './client-rotate';

/** `gwkit client <guide|import|rotate>`: the human step (consent screen + Web client), guided and verified. */
export const clientCommand = (cli: Cli) =>
  commandGroup({
    command: 'client',
    describe: 'Create the OAuth client in the Console (guided), import it (verified), rotate its secret',
    subcommands: [clientGuideCommand(cli), clientImportCommand(cli), clientRotateCommand(cli)],
  });
