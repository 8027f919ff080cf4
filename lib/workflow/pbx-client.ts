/**
 * Does the PBX hold the stored OAuth client, and if not, write it: one rule for post-deploy,
 * rollout and status.
 *
 * PortSIP's spec does not say whether `GET /google` echoes `client_secret` (docs/portsip-api.md).
 * Where it does, the PBX is compared directly. Where it is masked or empty, gwkit relies on its
 * own record on the Secret Manager secret (`gwkit-pbx-applied`: which version was written to which
 * PBX tenant), so that a rerun does not rewrite the client: a write may reset the tenant's Google
 * authorization. A masked secret with no record is written once, then recorded.
 */
import type { TenantConfig } from '../config';
import { RemoteError } from '../errors';
import type { StoredClientPair } from '../google';
import { isFor, pbxTargetOf, type CredentialRecords, type PbxAppliedRecord, type PbxTarget } from '../records';
import type { GoogleIntegration, IntegrationLevel, PortSipClient } from '../pbx';

export type PbxClientVerdict =
  /** The PBX holds exactly the stored version. */
  | { readonly kind: 'current'; readonly how: 'read' | 'recorded'; readonly recordedAt?: string }
  | { readonly kind: 'missing' }
  | { readonly kind: 'other-client'; readonly clientId: string }
  /** Same client, another secret: an older (or newer, disabled) version. */
  | { readonly kind: 'other-secret'; readonly how: 'read' | 'recorded'; readonly recordedVersion?: number }
  /** Same client id, secret masked on read, and no record of which version was written. */
  | { readonly kind: 'unknown' };

/**
 * Empty, only mask characters, or partly masked (`GOCSPX-****abcd`): the PBX is not telling what it
 * holds, so the secret cannot be compared.
 */
export function isMasked(secret: string | undefined): boolean {
  return !secret || /^[*•·x]+$/i.test(secret) || /[*•·]{3,}/.test(secret);
}

export function judgePbxClient(
  onPbx: Pick<GoogleIntegration, 'client_id' | 'client_secret'>,
  stored: StoredClientPair,
  record: PbxAppliedRecord | undefined,
  where: PbxTarget,
): PbxClientVerdict {
  if (!onPbx.client_id) return { kind: 'missing' };
  if (onPbx.client_id !== stored.clientId) return { kind: 'other-client', clientId: onPbx.client_id };
  if (!isMasked(onPbx.client_secret)) {
    return onPbx.client_secret === stored.clientSecret ? { kind: 'current', how: 'read' } : { kind: 'other-secret', how: 'read' };
  }
  const mine = record && isFor(record, where) && record.clientId === stored.clientId;
  if (!mine) return { kind: 'unknown' };
  return record.version === stored.version
    ? { kind: 'current', how: 'recorded', recordedAt: record.at }
    : { kind: 'other-secret', how: 'recorded', recordedVersion: record.version };
}

/** The verdict as a fact line for people. */
export function describePbxClient(v: PbxClientVerdict, stored: StoredClientPair): string {
  switch (v.kind) {
    case 'current':
      return v.how === 'read'
        ? `PBX holds version ${stored.version} of the client (read back)`
        : `PBX holds version ${stored.version} of the client (recorded ${v.recordedAt || 'by gwkit'}; the PBX masks the secret)`;
    case 'missing':
      return 'PBX has no Google client';
    case 'other-client':
      return `PBX holds a different client (${v.clientId})`;
    case 'other-secret':
      return v.how === 'read'
        ? 'PBX holds another secret of this client (not the stored version)'
        : `PBX holds version ${v.recordedVersion} of the client; the stored one is version ${stored.version}`;
    case 'unknown':
      return `PBX holds client ${stored.clientId}, but masks its secret and gwkit has no record of writing version ${stored.version}`;
  }
}

export interface ClientWriteOutcome {
  /** What the PBX held before the step. */
  readonly verdict: PbxClientVerdict;
  /** What it holds after (the same as before in a dry run or when nothing was written). */
  readonly verdictAfter: PbxClientVerdict;
  /** The pair was (or, in a dry run, would be) written. */
  readonly changed: boolean;
  /** Why it was written, in words; absent when nothing was written. */
  readonly reason?: string;
  /** The Google settings after the step (before, in a dry run or when nothing changed). */
  readonly after: GoogleIntegration;
}

/**
 * Bring the PBX to the stored version: write only when it does not hold it (or `force`), read it
 * back, and record the write on the secret. In a dry run, only judge.
 */
export async function applyClient(
  pbx: PortSipClient,
  level: IntegrationLevel,
  tenant: TenantConfig,
  stored: StoredClientPair,
  records: CredentialRecords,
  options: { secretName: string; record?: PbxAppliedRecord; force?: boolean; dryRun?: boolean; log?: (line: string) => void },
): Promise<ClientWriteOutcome> {
  const where = pbxTargetOf(tenant);
  const before = await pbx.getGoogle(level);
  const verdict = judgePbxClient(before, stored, options.record, where);
  const write = options.force || verdict.kind !== 'current';
  const reason = write ? (options.force ? 'forced (--force)' : describePbxClient(verdict, stored)) : undefined;
  const record = (at = new Date().toISOString()): Promise<void> =>
    records.recordApplied(options.secretName, { version: stored.version, clientId: stored.clientId, ...where, at });

  if (!write || options.dryRun) {
    // Read back equal but unrecorded: record it, so that status can name the version later.
    const unrecorded = verdict.kind === 'current' && verdict.how === 'read' && options.record?.version !== stored.version;
    if (unrecorded && !options.dryRun) await record();
    return { verdict, verdictAfter: verdict, changed: write, reason, after: before };
  }
  options.log?.(`${tenant.id}: writing client ${stored.clientId} (version ${stored.version}) into the PBX (${level} level): ${reason}`);
  await pbx.setGoogle(level, { client_id: stored.clientId, client_secret: stored.clientSecret });
  const after = await pbx.getGoogle(level);
  const kept = after.client_id === stored.clientId && (isMasked(after.client_secret) || after.client_secret === stored.clientSecret);
  if (!kept) {
    throw new RemoteError(`tenant "${tenant.id}": the PBX did not keep the client pair (read back client_id ${after.client_id || 'none'})`);
  }
  const at = new Date().toISOString();
  await record(at);
  const verdictAfter: PbxClientVerdict = isMasked(after.client_secret)
    ? { kind: 'current', how: 'recorded', recordedAt: at }
    : { kind: 'current', how: 'read' };
  return { verdict, verdictAfter, changed: true, reason, after };
}
