import type { Argv, CommandModule } from 'yargs';
import { guideCommand } from './client/guide';
import { importCommand } from './client/import';

/** `gwkit client <guide|import>`: the human step (consent screen + Web client), guided and verified. */
export const clientCommand: CommandModule = {
  command: 'client <command>',
  describe: 'Create the OAuth client in the Console (guided) and import it (verified)',
  builder: (yargs: Argv) => yargs.command(guideCommand).command(importCommand).demandCommand(1),
  handler: () => undefined,
};
