/**
 * Binding a session to one tenant, so that its errors name that tenant. A session acts in one
 * tenant at a time, which is what makes parallel work safe: the tenant switch is per session
 * (PbxSessionPool hands each worker its own).
 */
import { sameSipDomain } from '../naming/sip-domain';
import type { PortSipClient } from './client';
import { ClientErrorCode, PortSipError } from './errors';
import { assertTenantLive, pickTenant, type TenantRef } from './tenant-lookup';
import type { TenantSummary } from './types';

export type { TenantRef };

/**
 * Make a logged-in session act inside the tenant: a system admin finds it (in `tenants`, read by the
 * caller once or per session) and switches to it; a tenant admin's login must be that tenant.
 */
export async function enterTenant(
  client: PortSipClient,
  ref: TenantRef,
  options: { systemAdmin: boolean; tenants: () => Promise<TenantSummary[]>; pbx: string },
): Promise<void> {
  const label = ref.name ?? ref.domain ?? '?';
  client.labelTenant(label);
  if (!options.systemAdmin) {
    await checkTenantAdminSession(client, ref, label);
    return;
  }
  const tenant = pickTenant(await options.tenants(), ref, options.pbx);
  // Before the switch: nothing at all goes into a tenant the PBX reports as disabled.
  assertTenantLive(tenant, options.pbx);
  await client.useTenant(tenant.id!);
  client.labelTenant(tenant.name ?? label);
}

/**
 * A tenant admin's login decides the tenant: check it is the one meant (GET /tenant). GET /tenant
 * has no `enabled` field in the spec, so a tenant admin cannot see whether its tenant is live.
 */
export async function checkTenantAdminSession(client: PortSipClient, ref: TenantRef, label: string): Promise<void> {
  const current = await client.currentTenant();
  const domainOk = !ref.domain || sameSipDomain(current.domain, ref.domain);
  const nameOk = !ref.name || current.name === ref.name;
  const idOk = !ref.id || current.id === ref.id;
  if (!domainOk || !nameOk || !idOk) {
    throw new PortSipError({
      code: ClientErrorCode.TenantMismatch,
      operation: 'GET /tenant',
      tenant: label,
      detail: `logged in to tenant '${current.name}' (id ${current.id}, domain ${current.domain}), expected ${[ref.domain ?? ref.name, ref.id && `id ${ref.id}`].filter(Boolean).join(', ')}`,
    });
  }
  client.labelTenant(current.name ?? label);
}
