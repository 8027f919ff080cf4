/** From parsed arguments to a SessionProvider: config, tenant selection, prompts, logging, preflight. */
import type { Fleet, TenantConfig } from '../../lib/config';
import { InputError } from '../../lib/errors';
import type { SessionProvider } from '../../lib/workflow/session-provider';
import type { GlobalArgs } from './command';
import { progressView } from './progress';
import type { Cli } from './run';

export interface OpenOptions {
  /** No --tenant and no --all means every tenant (read-only commands). @default false */
  readonly defaultAll?: boolean;
  /** Check PBX settings and passwords before anything happens (exit 2, nothing touched). @default true */
  readonly preflight?: boolean;
  /** Show per-tenant progress (fleet commands). @default true */
  readonly progress?: boolean;
  /** The command calls Google: find its credentials before any tenant (exit 2 once if none). @default true */
  readonly google?: boolean;
}

/** The fleet and the tenants the arguments select: --tenant ids or --all (exit 2 for neither, both, or an unknown id). */
export async function selectFleetTenants(
  args: GlobalArgs,
  command: string,
  options: Pick<OpenOptions, 'defaultAll'> = {},
): Promise<{ fleet: Fleet; tenants: readonly TenantConfig[] }> {
  // Loaded here, not at start-up: `gwkit --help` needs none of it.
  const [{ loadFleet, selectSuites }, { requireSelection }] = await Promise.all([import('../../lib/config'), import('../../lib/workflow/fleet-runner')]);
  const fleet = loadFleet(args.config);
  const wanted = options.defaultAll && !args.tenant?.length && !args.all ? 'all' : requireSelection(args, command);
  const selected = selectSuites(fleet, wanted === 'all' ? undefined : wanted);
  // Microsoft 365 tenants have their own workflow (lib/ms365); a command that does not run it says so instead of skipping them silently.
  if (selected.microsoft365.length && wanted !== 'all') {
    const ids = selected.microsoft365.map((t) => t.id);
    throw new InputError(
      `${command}: ${ids.join(', ')} ${ids.length === 1 ? 'is a Microsoft 365 tenant' : 'are Microsoft 365 tenants'}; this command covers Google Workspace tenants only for now (docs/microsoft-365.md)`,
    );
  }
  return { fleet, tenants: selected.google };
}

/** Sessions for a fleet command: --tenant ids or --all; closed when the command ends. */
export async function openSessions(cli: Cli, args: GlobalArgs, command: string, options: OpenOptions = {}): Promise<SessionProvider> {
  const [{ fleet, tenants }, { SessionProvider: Provider }] = await Promise.all([
    selectFleetTenants(args, command, options),
    import('../../lib/workflow/session-provider'),
  ]);
  const { io } = cli;
  const progress = options.progress === false ? undefined : await progressView(io, command, tenants.length);
  cli.progress = progress;
  const sessions = new Provider({
    fleet,
    tenants,
    progress,
    signal: cli.signal,
    pbxCaFile: args['ca-file'],
    log: io.stderr,
    prompt: io.interactive ? (question) => io.prompt(question, { hidden: true }) : undefined,
    env: io.env,
  });
  cli.sessions.push(sessions);
  // Every command, read-only ones too: a wrong CA file is bad input, not a PBX fault per tenant.
  sessions.assertCaFiles();
  if (options.google ?? true) await sessions.assertGoogleReady();
  if (options.preflight ?? true) await sessions.assertPbxReady();
  return sessions;
}

/** Sessions for a command that acts on exactly one tenant (--tenant X). */
export async function openSingleTenant(
  cli: Cli,
  args: GlobalArgs,
  command: string,
  options: Pick<OpenOptions, 'preflight'> = {},
): Promise<{ sessions: SessionProvider; tenant: TenantConfig }> {
  if (args.all || args.tenant?.length !== 1) throw new InputError(`${command}: name exactly one tenant with --tenant ID`);
  const sessions = await openSessions(cli, args, command, { progress: false, ...options });
  return { sessions, tenant: sessions.tenants[0]! };
}
