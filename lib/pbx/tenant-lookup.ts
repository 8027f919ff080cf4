/**
 * Which PBX tenant gwkit.yaml means, and whether it is one gwkit may act in: the one rule for
 * every command (post-deploy, rollout, verify, rotate, status, discover, teardown).
 *
 * - A tenant is found by its SIP domain (the same domain in any case, Unicode or xn-- form:
 *   lib/naming/sip-domain.ts), else by its exact name; a pinned `id` decides among tenants whose
 *   domains differ only in case, and must agree with the domain (or name) given beside it.
 * - No match, several, a look-alike domain, a pinned id that disagrees: PbxTenantRefError (exit 2).
 * - A tenant the PBX lists as `enabled: false` is never switched into: PbxTenantNotLiveError
 *   (exit 1). The spec's `enabled` defaults to true, so a list without the field means live.
 */
import { describeSipDomain, lookAlikeDifference, otherSpelling, sameSipDomain, sipDomainKey } from '../naming/sip-domain';
import { PbxTenantNotLiveError, PbxTenantRefError } from './errors';
import type { TenantSummary } from './types';

export interface TenantRef {
  /** Tenant SIP domain (preferred). */
  domain?: string;
  name?: string;
  /** The PBX's id of the tenant: pins one among tenants the domain (or name) alone cannot tell apart. */
  id?: string;
}

/** A tenant of the PBX in words: `'Acme' (id T1, domain acme.example.com)`. */
export function describeTenant(t: TenantSummary): string {
  return `'${t.name ?? '?'}' (id ${t.id ?? '?'}, domain ${t.domain ?? '?'})`;
}

/** How gwkit.yaml would pin this tenant, keeping the user's domain (or name) as written. */
function pinFor(ref: TenantRef, t: TenantSummary): string {
  const key = ref.domain !== undefined ? `domain: ${ref.domain}` : `name: ${ref.name}`;
  return `pbxTenant: { ${key}, id: ${t.id} }`;
}

/** A tenant list's tenants by comparable domain and by id, in list order. */
interface TenantIndex {
  readonly byDomain: ReadonlyMap<string, readonly TenantSummary[]>;
  readonly byId: ReadonlyMap<string, TenantSummary>;
}

/**
 * Indexes of the tenant lists seen, built once per list: a fleet run looks every tenant up in
 * one list, and a scan per lookup (a domain key per listed tenant) costs N² over the fleet, about
 * 10⁸ domain conversions for 10,000 tenants. Keyed by the list itself, so one read afresh gets
 * a fresh index; a list is never changed after it is read.
 */
const indexes = new WeakMap<readonly TenantSummary[], TenantIndex>();

function indexOf(tenants: readonly TenantSummary[]): TenantIndex {
  let index = indexes.get(tenants);
  if (!index) {
    const byDomain = new Map<string, TenantSummary[]>();
    const byId = new Map<string, TenantSummary>();
    for (const t of tenants) {
      if (t.domain !== undefined) {
        const key = sipDomainKey(t.domain);
        const same = byDomain.get(key);
        if (same) same.push(t);
        else byDomain.set(key, [t]);
      }
      // The first of a (malformed) list with a repeated id, as a scan would find.
      if (t.id !== undefined && !byId.has(t.id)) byId.set(t.id, t);
    }
    index = { byDomain, byId };
    indexes.set(tenants, index);
  }
  return index;
}

/** The one tenant of `tenants` that `ref` names (see the module comment). */
export function pickTenant(tenants: readonly TenantSummary[], ref: TenantRef, pbx: string): TenantSummary {
  if (!ref.domain && !ref.name && !ref.id) throw new TypeError('a tenant reference needs a domain, a name or an id');
  const what = ref.domain !== undefined ? `domain ${describeSipDomain(ref.domain)}` : `name '${ref.name}'`;
  const fits = (t: TenantSummary) =>
    ref.domain !== undefined ? sameSipDomain(t.domain, ref.domain) : ref.name === undefined || t.name === ref.name;
  // Those that fit, in list order: by domain from the index; by name (no conversion) by a scan.
  const fitting = () => (ref.domain !== undefined ? (indexOf(tenants).byDomain.get(sipDomainKey(ref.domain)) ?? []) : tenants.filter(fits));
  const among = `among the ${tenants.length} tenants on ${pbx}`;

  if (ref.id !== undefined) {
    const pinned = indexOf(tenants).byId.get(ref.id);
    if (!pinned) {
      const candidates = fitting();
      const hint = candidates.length ? `; tenants with ${what}: ${candidates.map(describeTenant).join('; ')}` : '';
      throw new PbxTenantRefError(
        'NOT_FOUND',
        `no tenant with the pinned id '${ref.id}' ${among}${hint}. gwkit sent nothing into any tenant; fix pbxTenant.id in gwkit.yaml`,
      );
    }
    if (!fits(pinned)) {
      throw new PbxTenantRefError(
        'TENANT_MISMATCH',
        `the pinned id '${ref.id}' is tenant ${describeTenant(pinned)} on ${pbx}, which does not have ${what}. ` +
          'gwkit sent nothing into any tenant; make pbxTenant.id and the domain (or name) beside it in gwkit.yaml name the same tenant',
      );
    }
    return pinned;
  }

  const matches = fitting();
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) {
    const why =
      ref.domain !== undefined ? ' (SIP domains compare case-insensitively, and a Unicode domain is the same as its xn-- form)' : '';
    throw new PbxTenantRefError(
      'AMBIGUOUS',
      `${matches.length} tenants on ${pbx} have ${what}${why}: ${matches.map(describeTenant).join('; ')}. ` +
        `gwkit sent nothing into any of them. Pin the one you mean in gwkit.yaml by its id, e.g. ${pinFor(ref, matches[0]!)}`,
    );
  }
  const lookAlikes =
    ref.domain === undefined
      ? []
      : tenants.flatMap((t) => {
          const diff = t.domain ? lookAlikeDifference(ref.domain!, t.domain) : undefined;
          const other = otherSpelling(t.domain!);
          return diff ? [`${describeTenant(t)}${other ? `, whose domain is ${other}` : ''}: ${diff}`] : [];
        });
  if (lookAlikes.length) {
    throw new PbxTenantRefError(
      'NOT_FOUND',
      `no tenant with ${what} ${among}; it only looks like ${lookAlikes.join('; ')}. A look-alike is another domain: ` +
        'gwkit sent nothing into any tenant; write the domain in gwkit.yaml exactly as the PBX has it, if that is the tenant you mean',
    );
  }
  throw new PbxTenantRefError('NOT_FOUND', `no tenant with ${what} ${among}; gwkit sent nothing into any tenant`);
}

/** Refuse a tenant the PBX reports as not live, before anything (the switch included) is sent into it. */
export function assertTenantLive(tenant: TenantSummary, pbx: string): void {
  if (tenant.enabled !== false) return;
  throw new PbxTenantNotLiveError(
    `PBX tenant ${describeTenant(tenant)} is disabled on ${pbx} (GET /tenants reports enabled: false): gwkit sent nothing into it ` +
      '(no switch, no write, no test mail). Enable the tenant in the PBX web portal (Tenants, Status column) if it should have the integration, or take it out of gwkit.yaml',
  );
}
