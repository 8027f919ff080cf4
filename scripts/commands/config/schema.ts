import { writeFileSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { fleetJsonSchema } from '../../../lib/config';
import { runCommand, type GlobalArgs } from '../../support/run';

interface SchemaArgs extends GlobalArgs {
  out?: string;
}

/** `gwkit config schema`: the JSON Schema of gwkit.yaml, for editors (yaml-language-server) and CI. */
export const schemaCommand: CommandModule<object, SchemaArgs> = {
  command: 'schema',
  describe: 'Print the JSON Schema of gwkit.yaml (for editors and CI)',
  builder: (yargs: Argv) =>
    yargs.option('out', { type: 'string', describe: 'Write the schema to this file instead of stdout' }) as Argv<SchemaArgs>,
  handler: (args) =>
    runCommand({ json: false }, () => {
      const text = JSON.stringify(fleetJsonSchema(), null, 2);
      if (args.out) writeFileSync(args.out, `${text}\n`);
      return { data: undefined, human: () => (args.out ? `wrote ${args.out}` : text) };
    }),
};
