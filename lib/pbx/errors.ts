/**
 * PortSipError: one failed PortSIP call, named by tenant and operation, carrying PortSIP's own
 * error code. Messages never contain the PBX password or a client secret (see `scrub`).
 */
import { InputError, RemoteError } from '../errors';

/** Codes the client itself assigns when PortSIP did not answer with one. */
export const ClientErrorCode = {
  Timeout: 'TIMEOUT',
  Network: 'NETWORK_ERROR',
  Tls: 'TLS_CERTIFICATE',
  NotFound: 'NOT_FOUND',
  TenantMismatch: 'TENANT_MISMATCH',
  BadResponse: 'BAD_RESPONSE',
  /** GET /tenants pages repeat tenants or do not add up to `count`. */
  PagingMismatch: 'PAGING_MISMATCH',
  /** A tenant endpoint would have gone out with a token not switched into the tenant. */
  TenantContextLost: 'TENANT_CONTEXT_LOST',
  Unknown: 'UNKNOWN',
} as const;

export interface PortSipErrorInit {
  /** HTTP status; undefined when no answer came (timeout, network, TLS). */
  status?: number;
  /** PortSIP's `errors[0].code`, or a ClientErrorCode. */
  code: string;
  /** e.g. `POST /google` */
  operation: string;
  /** Tenant name (or domain) the session acts for. */
  tenant?: string;
  /** PortSIP's `errors[0].message` or the client's description. */
  detail: string;
  retryable?: boolean;
  cause?: unknown;
}

export class PortSipError extends RemoteError {
  readonly status?: number;
  readonly code: string;
  readonly operation: string;
  readonly tenant?: string;

  constructor(init: PortSipErrorInit) {
    const where = init.tenant ? `tenant '${init.tenant}': ` : '';
    const status = init.status ? ` (HTTP ${init.status})` : '';
    super(`PortSIP ${where}${init.operation} failed${status}: ${init.code}: ${init.detail}`, {
      retryable: init.retryable,
      cause: init.cause,
    });
    this.name = 'PortSipError';
    this.status = init.status;
    this.code = init.code;
    this.operation = init.operation;
    this.tenant = init.tenant;
  }
}

/** Replace every occurrence of the given secrets in a text (PortSIP may echo input back). */
export function scrub(text: string, secrets: Iterable<string | undefined>): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 3) out = out.split(s).join('***');
  return out;
}

/**
 * The PBX asks this account for a second factor (2FA, PortSIP v22.6+). gwkit cannot answer a
 * one-time code unattended, and retrying would only lock the account: exit 2, no retry.
 */
export class PbxLoginChallengedError extends InputError {
  constructor(who: string) {
    super(
      `PBX login as ${who} asks for a second factor (two-factor authentication); gwkit cannot answer one-time codes, and nothing was changed. ` +
        "Ways out: log in per tenant as a tenant administrator (pbx.role: tenant-admin, with that tenant's login), " +
        'or give gwkit an automation account without 2FA, kept in passwordSecret or passwordFile.',
    );
    this.name = 'PbxLoginChallengedError';
  }
}

/**
 * gwkit.yaml does not name exactly one PBX tenant: none has that domain (or name, or pinned id),
 * several do, or the pinned id belongs to a tenant with another domain. The fix is in gwkit.yaml;
 * nothing was sent into any tenant. Exit 2 for that tenant.
 */
export class PbxTenantRefError extends InputError {
  constructor(
    /** NOT_FOUND (no tenant, or only look-alikes), AMBIGUOUS (several), TENANT_MISMATCH (the pinned id is another tenant). */
    readonly code: 'NOT_FOUND' | 'AMBIGUOUS' | 'TENANT_MISMATCH',
    detail: string,
  ) {
    super(`PBX tenant: ${detail}`);
    this.name = 'PbxTenantRefError';
  }
}

/**
 * The PBX reports the tenant as not live (`enabled: false`): gwkit sends nothing into it, not even
 * the switch. A failure of that tenant (exit 1): it is not a step a person is expected to take in
 * the integration's flow, and its integration cannot work (a disabled tenant's extensions and
 * services are inactive).
 */
export class PbxTenantNotLiveError extends RemoteError {
  constructor(detail: string) {
    super(detail);
    this.name = 'PbxTenantNotLiveError';
  }
}
