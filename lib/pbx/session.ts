/**
 * openTenantSession: a client bound to one tenant, whose errors name that tenant.
 * One session per tenant is what makes parallel work safe: the tenant switch is per session.
 */
import { PortSipClient, type PbxConnectionOptions } from './client';
import { ClientErrorCode, PortSipError } from './errors';

export interface TenantRef {
  /** Tenant SIP domain (preferred: unique on a PBX). */
  domain?: string;
  name?: string;
}

/**
 * Log in and end up acting inside the tenant.
 * - System admin: find the tenant (by domain, else name) and switch this session to it.
 * - Tenant admin (`opts.domain`, or the ref's domain): check GET /tenant is the expected tenant.
 */
export async function openTenantSession(opts: PbxConnectionOptions, tenantRef: TenantRef, asSystemAdmin: boolean): Promise<PortSipClient> {
  const label = tenantRef.name ?? tenantRef.domain ?? '?';
  const loginOpts = asSystemAdmin ? { ...opts, domain: undefined } : { ...opts, domain: opts.domain ?? tenantRef.domain };
  const client = await PortSipClient.login(loginOpts);
  try {
    client.labelTenant(label);
    if (asSystemAdmin) {
      const tenant = await client.findTenant(tenantRef.domain ? { domain: tenantRef.domain } : tenantRef);
      await client.switchTenant(tenant.id!);
      client.labelTenant(tenant.name ?? label);
    } else {
      await checkTenantAdminSession(client, tenantRef, label);
    }
    return client;
  } catch (e) {
    await client.logout().catch(() => undefined);
    throw e;
  }
}

/** A tenant admin's login decides the tenant: check it is the one meant (GET /tenant). */
export async function checkTenantAdminSession(client: PortSipClient, ref: TenantRef, label: string): Promise<void> {
  const current = await client.currentTenant();
  const domainOk = !ref.domain || current.domain?.toLowerCase() === ref.domain.toLowerCase();
  const nameOk = !ref.name || current.name === ref.name;
  if (!domainOk || !nameOk) {
    throw new PortSipError({
      code: ClientErrorCode.TenantMismatch,
      operation: 'GET /tenant',
      tenant: label,
      detail: `logged in to tenant '${current.name}' (${current.domain}), expected ${ref.domain ?? ref.name}`,
    });
  }
  client.labelTenant(current.name ?? label);
}
