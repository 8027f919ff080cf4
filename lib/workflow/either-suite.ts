/**
 * The one-tenant commands that exist for both suites (rotate, teardown): which suite's workflow
 * runs, which options each suite accepts, and the words that differ, decided here so that the
 * command modules only parse and render.
 */
import type { Ms365TenantConfig, TenantConfig } from '../config';
import { InputError } from '../errors';
import { renewMs365Certificate, type CertificateRenewal } from '../ms365/rotate';
import { teardownMs365, type Ms365TeardownResult } from '../ms365/teardown';
import type { ClientSource } from './client-import';
import { rotateClient, type RotateResult } from './rotate';
import type { SessionProvider } from './session-provider';
import { teardownTenant, type TeardownResult } from './teardown';

type AnyTenant = TenantConfig | Ms365TenantConfig;
const isMs365 = (tenant: AnyTenant): tenant is Ms365TenantConfig => 'suite' in tenant;

export interface RotationOptions {
  /** Reads the new client JSON (--file / --stdin); Google Workspace only. */
  readonly source?: () => Promise<ClientSource>;
  /** Have the PBX generate a new key pair; Microsoft 365 only. */
  readonly newCertificate?: boolean;
  readonly dryRun?: boolean;
}

/** What rotate did, whichever suite: the suite's own result, and its headline. */
export interface Rotation {
  readonly headline: string;
  readonly result: RotateResult | CertificateRenewal;
}

/** Google Workspace: the client's second secret. Microsoft 365: the PBX's certificate. */
export async function rotateCredential(sessions: SessionProvider, tenant: AnyTenant, options: RotationOptions): Promise<Rotation> {
  if (isMs365(tenant)) {
    if (options.source) {
      throw new InputError(
        `client rotate: ${tenant.id} is a Microsoft 365 tenant: it has no client secret (--file, --stdin); renew its certificate with --new-certificate`,
      );
    }
    const result = await renewMs365Certificate(sessions, tenant, { newCertificate: options.newCertificate, dryRun: options.dryRun });
    const which = result.thumbprint ? ` ${result.thumbprint}` : '';
    return { result, headline: `tenant ${result.tenant}: renewal of the PBX's Microsoft 365 certificate${which}: ${result.step}` };
  }
  if (options.newCertificate) {
    throw new InputError(
      `client rotate: --new-certificate is for Microsoft 365 tenants; ${tenant.id} is a Google Workspace tenant (rotate its secret with --file)`,
    );
  }
  const result = await rotateClient(sessions, tenant, { source: options.source && (await options.source()), dryRun: options.dryRun });
  return { result, headline: `tenant ${result.tenant}: rotation of client ${result.clientId}: ${result.step}` };
}

/** What teardown stops, in the words of its confirmation. */
export function teardownWords(tenant: AnyTenant): { readonly what: string; readonly integration: string } {
  return isMs365(tenant)
    ? { what: 'stops the PBX integration', integration: 'Microsoft 365' }
    : { what: 'stops the PBX integration and disables the stored client', integration: 'Google' };
}

/** What teardown did, whichever suite, and what the provider keeps afterwards. */
export interface Teardown {
  readonly result: TeardownResult | Ms365TeardownResult;
  readonly keeper: 'Google' | 'Microsoft';
  readonly kept: readonly string[];
}

export async function teardownEitherSuite(sessions: SessionProvider, tenant: AnyTenant, options: { dryRun?: boolean }): Promise<Teardown> {
  if (isMs365(tenant)) {
    const result = await teardownMs365(sessions, tenant, options);
    return { result, keeper: 'Microsoft', kept: result.keptByMicrosoft };
  }
  const result = await teardownTenant(sessions, tenant, options);
  return { result, keeper: 'Google', kept: result.keptByGoogle };
}
