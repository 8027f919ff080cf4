/** Turning parsed CLI arguments into a RunContext: config, tenant selection, prompts, logging. */
import { loadFleet, selectTenants, type TenantConfig } from '../../lib/config';
import { InputError } from '../../lib/errors';
import { requireSelection } from '../../lib/workflow/fleet-runner';
import { RunContext } from '../../lib/workflow/context';
import { trackContext } from './open-contexts';
import { hiddenPrompt, promptsAllowed } from './prompt';
import { log, type GlobalArgs } from './run';

export interface PbxArgs extends GlobalArgs {
  'ca-file'?: string;
}

/** A context for a fleet command: --tenant ids or --all (or every tenant when `defaultAll`). */
export function fleetContext(args: PbxArgs, command: string, options: { defaultAll?: boolean } = {}): RunContext {
  const fleet = loadFleet(args.config);
  const wanted = options.defaultAll && !args.tenant?.length && !args.all ? 'all' : requireSelection(args, command);
  const tenants = selectTenants(fleet, wanted === 'all' ? undefined : wanted);
  const ctx = new RunContext({
    fleet,
    tenants,
    pbxCaFile: args['ca-file'],
    log,
    prompt: promptsAllowed() ? hiddenPrompt : undefined,
  });
  return trackContext(ctx);
}

/** A context for a command that acts on exactly one tenant (--tenant X). */
export function singleTenantContext(args: PbxArgs, command: string): { ctx: RunContext; tenant: TenantConfig } {
  if (args.all || args.tenant?.length !== 1) throw new InputError(`${command}: name exactly one tenant with --tenant ID`);
  const ctx = fleetContext(args, command);
  return { ctx, tenant: ctx.tenants[0]! };
}
