/** What the PBX says Google must redirect to: the first half of the human step. */
import type { TenantConfig } from '../config';
import { RemoteError } from '../errors';
import type { PortSipClient } from '../pbx';
import { runFleet, type FleetReport } from './fleet-runner';
import type { SessionProvider } from './session-provider';

export interface PbxRedirectUris {
  readonly tenant: string;
  readonly level: 'tenant' | 'system';
  readonly redirectUri: string;
  /** Only when the PBX is deployed with a PortSIP SBC. */
  readonly sbcRedirectUri?: string;
  /** Every URI the Web client must list. */
  readonly all: readonly string[];
}

/** Redirect URIs as read in an open session. */
export async function redirectUrisIn(pbx: PortSipClient, tenant: TenantConfig, level: 'tenant' | 'system'): Promise<PbxRedirectUris> {
  const google = await pbx.getGoogle(level);
  if (!google.redirect_uri) {
    throw new RemoteError(
      `tenant "${tenant.id}": the PBX reported no redirect_uri at GET ${level === 'system' ? '/admin/google' : '/google'}; check its web domain and certificate settings`,
    );
  }
  const all = [google.redirect_uri, ...(google.sbc_redirect_uri ? [google.sbc_redirect_uri] : [])];
  return { tenant: tenant.id, level, redirectUri: google.redirect_uri, sbcRedirectUri: google.sbc_redirect_uri || undefined, all };
}

export function readRedirectUris(ctx: SessionProvider, tenant: TenantConfig): Promise<PbxRedirectUris> {
  return ctx.withPbx(tenant, (pbx, settings) => redirectUrisIn(pbx, tenant, settings.level));
}

/** `gwkit discover`: the redirect URIs of every selected tenant (read-only). */
export function discoverFleet(sessions: SessionProvider, options: { concurrency?: number } = {}): Promise<FleetReport<PbxRedirectUris>> {
  return runFleet(sessions.tenants, (t) => readRedirectUris(sessions, t), {
    concurrency: options.concurrency,
    progress: sessions.progress,
    signal: sessions.signal,
  });
}
