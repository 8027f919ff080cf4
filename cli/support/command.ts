/**
 * How a command module is written, so that its argument types come from its options: the handler
 * receives what the builder declares (yargs' `Argv<T>` generics), not an interface kept beside it.
 * A handler that reads an option its builder does not declare, or reads it with another type, does
 * not compile.
 */
import type { ArgumentsCamelCase, Argv, CommandModule, InferredOptionTypes } from 'yargs';
import type { globalOptions } from './options';

/** The options every command accepts, as the root parser declares them (support/options.ts). */
export type GlobalArgs = InferredOptionTypes<ReturnType<typeof globalOptions>>;

/**
 * A command of any argument type, for lists of commands (the root's, a group's): `any` here only
 * lets commands of different argument types share a list. Each module's own types are checked
 * where it is defined, by `defineCommand`.
 */
export interface AnyCommand extends Omit<CommandModule<GlobalArgs>, 'builder' | 'handler'> {
  // biome-ignore lint/suspicious/noExplicitAny: a list of commands with different argument types (see above)
  readonly builder: (y: Argv<GlobalArgs>) => Argv<any>;
  // biome-ignore lint/suspicious/noExplicitAny: as above; each handler is typed where its command is defined
  readonly handler: (args: any) => void | Promise<void>;
  /** A group's subcommands (commandGroup). */
  readonly subcommands?: readonly AnyCommand[];
}

/**
 * The parsed arguments as the builder declared them. yargs' own type adds an index signature
 * (`[name: string]: unknown`) under which a misspelt or undeclared option still compiles.
 */
export type Declared<U> = Pick<ArgumentsCamelCase<U>, keyof U & string>;

/** A command whose handler takes exactly the arguments its builder declares. */
export function defineCommand<U>(module: {
  readonly command: string;
  readonly describe: string | false;
  readonly builder: (y: Argv<GlobalArgs>) => Argv<U>;
  /** Takes the declared options only: reading one the builder does not declare does not compile. */
  readonly handler: (args: Declared<U>) => Promise<void>;
}): CommandModule<GlobalArgs, U> & AnyCommand {
  return module;
}

/** `gwkit client <guide|import|rotate>`: a command that only groups subcommands. */
export function commandGroup(group: {
  readonly command: string;
  readonly describe: string;
  readonly subcommands: readonly AnyCommand[];
}): AnyCommand {
  const names = group.subcommands.map(commandName);
  const choice = names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}` : names.join('');
  return {
    command: group.command,
    describe: group.describe,
    subcommands: group.subcommands,
    builder: (y: Argv<GlobalArgs>) => y.command([...group.subcommands]).demandCommand(1, `${group.command}: name a subcommand: ${choice}`),
    handler: () => undefined,
  };
}

/** The word that invokes a command (`post-deploy`, `import`). */
export function commandName(module: AnyCommand): string {
  const command = typeof module.command === 'string' ? module.command : module.command?.[0];
  return command?.split(/\s/)[0] ?? '';
}

/**
 * The command named in argv (`client import`, `status`), found among the registered commands and
 * their subcommands, or yargs' own (`builtIn`: completion); `gwkit` when there is none.
 */
export function commandOf(argv: readonly string[], commands: readonly AnyCommand[], builtIn: readonly string[] = []): string {
  const byName = new Map(commands.map((c) => [commandName(c), c]));
  const i = argv.findIndex((a) => byName.has(a) || builtIn.includes(a));
  if (i < 0) return 'gwkit';
  const sub = argv[i + 1];
  const subcommands = byName.get(argv[i]!)?.subcommands?.map(commandName) ?? [];
  return sub && subcommands.includes(sub) ? `${argv[i]} ${sub}` : argv[i]!;
}
