/** Where `client import` and `client rotate` take the client from: a file, standard input, or a prompt on a terminal. */
import { readFileSync } from 'node:fs';
import { InputError } from '../../lib/errors';
import type { ClientSource } from '../../lib/workflow/client-import';
import type { CliIo } from '../io';

export async function readClientSource(io: CliIo, args: { file?: string; stdin?: boolean }, command: string): Promise<ClientSource> {
  if (args.file && args.stdin) throw new InputError(`${command}: use either --file or --stdin`);
  if (args.file) {
    try {
      return { kind: 'file', text: readFileSync(args.file, 'utf8'), source: args.file };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const what = code === 'EISDIR' ? 'is a directory' : code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? 'error'})`;
      throw new InputError(`--file: ${args.file} ${what}; expected the client JSON downloaded from the Console`);
    }
  }
  if (args.stdin) return { kind: 'file', text: await io.readStdin(), source: 'stdin' };
  if (!io.interactive) {
    throw new InputError(
      `${command}: give the downloaded client JSON with --file FILE or --stdin (no prompts without a terminal or in CI)`,
    );
  }
  const clientId = (await io.prompt('OAuth client ID', { hidden: false })).trim();
  const clientSecret = (await io.prompt('OAuth client secret', { hidden: true })).trim();
  if (!clientId || !clientSecret) throw new InputError(`${command}: both client ID and secret are needed`);
  return { kind: 'pair', pair: { clientId, clientSecret }, source: 'prompt' };
}
