import { writeFileSync } from 'node:fs';
import { InputError } from '../../lib/errors';
import { defineCommand } from '../support/command';
import { runCommand, type Cli } from '../support/run';

/** `gwkit config schema`: the JSON Schema of gwkit.yaml, for editors (yaml-language-server) and CI. */
export const configSchemaCommand = (cli: Cli) =>
  defineCommand({
    command: 'schema',
    describe: 'Print the JSON Schema of gwkit.yaml (for editors and CI)',
    builder: (y) =>
      y
        .option('out', { type: 'string', requiresArg: true, describe: 'Write the schema to this file instead of stdout' })
        .example('$0 config schema --out gwkit.schema.json', 'For yaml-language-server'),
    // The schema document itself is the output: never wrapped in the --json envelope.
    handler: (args) =>
      runCommand(cli, { json: false }, 'config schema', async () => {
        const { fleetJsonSchema } = await import('../../lib/config');
        const text = JSON.stringify(fleetJsonSchema(), null, 2);
        if (args.out) {
          try {
            writeFileSync(args.out, `${text}\n`);
          } catch (error) {
            throw new InputError(
              `--out: cannot write ${args.out} (${(error as NodeJS.ErrnoException).code ?? 'error'}); expected a file path in a writable folder`,
            );
          }
        }
        return { json: { result: undefined }, human: () => (args.out ? `wrote ${args.out}` : text) };
      }),
  });
