/** From parsed arguments to a SessionProvider: config, tenant selection, prompts, logging, preflight. */
import type { Fleet, Ms365TenantConfig, TenantConfig } from '../../lib/config';
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
  /** The command calls Google for Google Workspace tenants: find its credentials before any tenant (exit 2 once if none). @default true */
  readonly google?: boolean;
  /** The suites the command covers: both (the default), or Google Workspace only (client guide and import: OAuth clients). */
  readonly suites?: 'both' | 'google';
}

/** The fleet and the tenants the arguments select, by suite: --tenant ids or --all (exit 2 for neither, both, or an unknown id). */
export async function selectFleetTenants(
  args: GlobalArgs,
  command: string,
  options: Pick<OpenOptions, 'defaultAll' | 'suites'> = {},
): Promise<{ fleet: Fleet; tenants: readonly TenantConfig[]; microsoft365: readonly Ms365TenantConfig[] }> {
  // Loaded here, not at start-up: `gwkit --help` needs none of it.
  const [{ loadFleet, selectSuites }, { requireSelection }] = await Promise.all([
    import('../../lib/config'),
    import('../../lib/workflow/fleet-runner'),
  ]);
  const fleet = loadFleet(args.config);
  const wanted = options.defaultAll && !args.tenant?.length && !args.all ? 'all' : requireSelection(args, command);
  const selected = selectSuites(fleet, wanted === 'all' ? undefined : wanted);
  if (options.suites !== 'google') return { fleet, tenants: selected.google, microsoft365: selected.microsoft365 };
  // A Google-only command named for a Microsoft 365 tenant says why, instead of doing nothing.
  if (selected.microsoft365.length && wanted !== 'all') {
    const ids = selected.microsoft365.map((t) => t.id);
    throw new InputError(
      `${command}: ${ids.join(', ')} ${ids.length === 1 ? 'is a Microsoft 365 tenant' : 'are Microsoft 365 tenants'}, which have no OAuth client: ` +
        "the stack registers the PBX's certificate on the app, and `npx gwkit client rotate --tenant ID` renews it (docs/microsoft-365.md)",
    );
  }
  return { fleet, tenants: selected.google, microsoft365: [] };
}

/** Sessions for a fleet command: --tenant ids or --all; closed when the command ends. */
export async function openSessions(cli: Cli, args: GlobalArgs, command: string, options: OpenOptions = {}): Promise<SessionProvider> {
  const [{ fleet, tenants, microsoft365 }, { SessionProvider: Provider }] = await Promise.all([
    selectFleetTenants(args, command, options),
    import('../../lib/workflow/session-provider'),
  ]);
  const { io } = cli;
  const progress = options.progress === false ? undefined : await progressView(io, command, tenants.length + microsoft365.length);
  cli.progress = progress;
  const sessions = new Provider({
    fleet,
    tenants,
    microsoft365Tenants: microsoft365,
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
  // Microsoft 365 tenants need no Google credentials (the PBX password may still come from Secret Manager, looked up when used).
  if ((options.google ?? true) && tenants.length) await sessions.assertGoogleReady();
  if (options.preflight ?? true) await sessions.assertPbxReady();
  return sessions;
}

/** Sessions for a command that acts on exactly one tenant (--tenant X), of either suite unless `suites` says Google only. */
export async function openSingleTenant(
  cli: Cli,
  args: GlobalArgs,
  command: string,
  options: SingleOptions & { suites: 'google' },
): Promise<{ sessions: SessionProvider; tenant: TenantConfig }>;
export async function openSingleTenant(
  cli: Cli,
  args: GlobalArgs,
  command: string,
  options?: SingleOptions,
): Promise<{ sessions: SessionProvider; tenant: TenantConfig | Ms365TenantConfig }>;
export async function openSingleTenant(
  cli: Cli,
  args: GlobalArgs,
  command: string,
  options: SingleOptions = {},
): Promise<{ sessions: SessionProvider; tenant: TenantConfig | Ms365TenantConfig }> {
  if (args.all || args.tenant?.length !== 1) throw new InputError(`${command}: name exactly one tenant with --tenant ID`);
  const sessions = await openSessions(cli, args, command, { progress: false, ...options });
  return { sessions, tenant: sessions.tenants[0] ?? sessions.microsoft365Tenants[0]! };
}

type SingleOptions = Pick<OpenOptions, 'preflight' | 'suites'>;
