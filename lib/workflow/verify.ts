/**
 * `gwkit verify`: prove the integration works end to end with the one API-visible proof there
 * is (docs/portsip-api.md): a test mail sent by the PBX through Gmail on the consented authorization.
 *
 * The mail type is switched to GMAIL only when gwkit.yaml opts in (mail.switchToGmail): an SMTP
 * setup is never replaced silently.
 */
import { isDeepStrictEqual } from 'node:util';
import type { TenantConfig } from '../config';
import { RemoteError } from '../errors';
import { PortSipError, type PortSipClient, type SystemNotificationUpdate, type TenantNotificationUpdate } from '../pbx';
import pLimit from 'p-limit';
import { DEFAULT_CONCURRENCY, outcomeOfWork, runFleet, type FleetReport, type TenantOutcome } from './fleet-runner';
import { isFor, pbxTargetOf } from '../records';
import { checkHeldSecret } from './secret-check';
import type { SessionProvider } from './session-provider';
import { exitCodeOfVerdict, nextAction, type VerifyVerdict } from './stage-model';

export type { VerifyVerdict };

export interface VerifyResult {
  readonly tenant: string;
  readonly verdict: VerifyVerdict;
  readonly ok: boolean;
  /** The mail type found, and whether gwkit changed it. */
  readonly mailType: string;
  readonly switchedToGmail: boolean;
  /**
   * The mail settings as they were before gwkit switched them to GMAIL, so that a person can
   * restore them. The PBX never returns the SMTP password: restoring SMTP needs it again.
   */
  readonly previousMailSettings?: Record<string, unknown>;
  readonly recipient: string;
  /** PortSIP's own words when the test mail failed. */
  readonly pbxMessage?: string;
  /** The most likely cause of a failure, in plain words. */
  readonly likelyCause?: string;
  readonly nextAction?: string;
}

/**
 * Failures are classified from PortSIP's error text, since the spec documents no codes for them:
 * "expired / revoked / invalid_grant" means the refresh token died; "authoriz..." otherwise means
 * consent was never completed.
 */
/**
 * The fields `POST /tenant/notification` and `/admin/notification` take (PortSIP spec), less the
 * password, which is never read back. The type checks keep the lists complete when the spec grows.
 */
/** The mail server fields both levels share. */
const MAIL_SERVER_FIELDS = [
  'type',
  'server',
  'port',
  'reply_to',
  'username',
  'auth',
  'enable_tls_ssl',
  'enable_starttls_auto',
  'recipients',
] as const;
const TENANT_MAIL_FIELDS = [
  ...MAIL_SERVER_FIELDS,
  'notify_user_registration',
  'notify_queue_sla_breached',
  'notify_queue_callback',
  'notify_queue_callback_failed',
  'notify_queue_call_lost',
] as const satisfies readonly (keyof TenantNotificationUpdate)[];
const SYSTEM_MAIL_FIELDS = [
  ...MAIL_SERVER_FIELDS,
  'enable_tenant_access',
  'hard_disk_threshold',
  'notify_hard_disk_exceeded_threshold',
  'cpu_threshold',
  'notify_cpu_exceeded_threshold',
  'memory_threshold',
  'notify_memory_exceeded_threshold',
  'notify_ip_blocked',
  'notify_license_limited',
  'notify_service_disconnected',
  'notify_push_certs_update_failed',
] as const satisfies readonly (keyof SystemNotificationUpdate)[];
type Complete<Listed, All> = Exclude<All, Listed | 'password'> extends never ? true : false;
const tenantFieldsComplete: Complete<(typeof TENANT_MAIL_FIELDS)[number], keyof TenantNotificationUpdate> = true;
const systemFieldsComplete: Complete<(typeof SYSTEM_MAIL_FIELDS)[number], keyof SystemNotificationUpdate> = true;
void tenantFieldsComplete;
void systemFieldsComplete;

/**
 * Switch the mail server type to GMAIL without losing anything else. PortSIP's POST "creates or
 * replaces", and the request schema gives defaults for every field it does not require, so a POST
 * of `{type, username}` alone may reset the rest: read, change two fields, write the whole object
 * back, and read again to prove nothing else moved. Returns the settings found before.
 */
async function switchMailToGmail(
  pbx: PortSipClient,
  level: 'tenant' | 'system',
  sender: string,
  read: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const fields: readonly string[] = level === 'system' ? SYSTEM_MAIL_FIELDS : TENANT_MAIL_FIELDS;
  // Never hand on a credential, should a PBX echo one (the spec does not forbid extra fields).
  const before = Object.fromEntries(Object.entries(read).filter(([k]) => !/password|secret|token/i.test(k)));
  const whole = Object.fromEntries(fields.filter((f) => before[f] !== undefined).map((f) => [f, before[f]]));
  const body = { ...whole, type: 'GMAIL' as const, username: sender };
  if (level === 'system') await pbx.setNotification('system', body as SystemNotificationUpdate);
  else await pbx.setNotification('tenant', body as TenantNotificationUpdate);
  const after = await readMailSettings(pbx, level);
  // Every field the PBX reported before must read the same after (one it did not report cannot be kept).
  const moved = fields.filter(
    (f) => f !== 'type' && f !== 'username' && before[f] !== undefined && !isDeepStrictEqual(before[f], after[f]),
  );
  if (after.type !== 'GMAIL' || moved.length) {
    throw new RemoteError(
      `the PBX did not keep the mail settings when switching to GMAIL: ${after.type !== 'GMAIL' ? `type is ${String(after.type)}` : `changed ${moved.join(', ')}`}. ` +
        `Settings before the switch, to restore by hand: ${JSON.stringify(before)}`,
    );
  }
  return before;
}

/** The mail settings of either level, as plain fields. */
async function readMailSettings(pbx: PortSipClient, level: 'tenant' | 'system'): Promise<Record<string, unknown>> {
  return (level === 'system' ? await pbx.getNotification('system') : await pbx.getNotification('tenant')) as Record<string, unknown>;
}

function classify(error: PortSipError): Pick<VerifyResult, 'verdict' | 'likelyCause'> {
  const text = `${error.code} ${error.message}`;
  if (/expired|revoked|invalid_grant/i.test(text)) {
    return {
      verdict: 'authorization-expired',
      likelyCause:
        'the Google refresh token has died; an External app left in "Testing" gets tokens that expire after 7 days. ' +
        'Publish the app (Audience: In production) and complete the authorization again.',
    };
  }
  if (/authori[sz]/i.test(text))
    return { verdict: 'consent-missing', likelyCause: 'an administrator has not completed the Google authorization yet' };
  return { verdict: 'mail-failed' };
}

/** verify inside an open PBX session (shared with rollout's single pass). */
export async function verifyIn(
  pbx: PortSipClient,
  ctx: SessionProvider,
  tenant: TenantConfig,
  level: 'tenant' | 'system',
  dryRun: boolean,
): Promise<VerifyResult> {
  const base = { tenant: tenant.id, recipient: tenant.mail.testRecipient };
  const settings = await readMailSettings(pbx, level);
  let mailType = (settings.type as string | undefined) ?? 'SMTP';
  let switchedToGmail = false;
  let previousMailSettings: Record<string, unknown> | undefined;
  if (mailType !== 'GMAIL') {
    if (!tenant.mail.switchToGmail) {
      return {
        ...base,
        verdict: 'not-gmail',
        ok: false,
        mailType,
        switchedToGmail,
        likelyCause: `the PBX sends mail via ${mailType}, so a test mail would not prove the Google integration`,
        nextAction: nextAction.switchToGmail(tenant, mailType),
      };
    }
    if (dryRun) {
      return { ...base, verdict: 'not-gmail', ok: false, mailType, switchedToGmail, nextAction: nextAction.switchForReal() };
    }
    ctx.log(`${tenant.id}: switching the PBX mail type from ${mailType} to GMAIL (mail.switchToGmail)`);
    // The settings just read are the ones to keep: no second read before the write.
    previousMailSettings = await switchMailToGmail(pbx, level, tenant.mail.sender, settings);
    mailType = 'GMAIL';
    switchedToGmail = true;
  }
  if (dryRun) return { ...base, verdict: 'dry-run', ok: false, mailType, switchedToGmail, nextAction: nextAction.sendForReal() };
  const switched = { switchedToGmail, ...(previousMailSettings ? { previousMailSettings } : {}) };

  try {
    await pbx.sendTestEmail(
      {
        recipient: tenant.mail.testRecipient,
        subject: `gwkit: Google Workspace mail test for tenant ${tenant.id}`,
        content: `This message was sent by the PortSIP PBX through Gmail (Google Workspace OAuth) to prove the integration of tenant ${tenant.id} works. Sent by gwkit verify.`,
      },
      level,
    );
    return { ...base, verdict: 'verified', ok: true, mailType, ...switched };
  } catch (error) {
    if (!(error instanceof PortSipError) || error.status === undefined || error.status >= 500) throw error;
    const cls = classify(error);
    return {
      ...base,
      ...cls,
      ok: false,
      mailType,
      ...switched,
      pbxMessage: error.message,
      nextAction: cls.verdict === 'mail-failed' ? nextAction.mailFailed() : nextAction.consentMissing(tenant),
    };
  }
}

/**
 * Prove one tenant with a test mail, and record a success on its credential secret (the proof
 * status derives "verified" from). First, Google must accept the secret the PBX holds now: a PBX
 * may still send with an access token it got before the secret was disabled, so a test mail alone
 * would call a tenant healthy whose mail dies within the hour.
 */
export async function verifyTenant(
  sessions: SessionProvider,
  tenant: TenantConfig,
  options: { dryRun?: boolean; secretName?: string } = {},
): Promise<VerifyResult> {
  const secretName = options.secretName ?? tenant.credentialSecretName;
  const { stored, records } = await (await sessions.google()).records.readWithLatest(secretName);
  const result = await sessions.withPbx(tenant, async (pbx, settings) => {
    if (stored) {
      const held = await checkHeldSecret(sessions, tenant, { stored, records }, await pbx.getGoogle(settings.level), secretName);
      if (held.kind === 'refused') {
        return {
          tenant: tenant.id,
          recipient: tenant.mail.testRecipient,
          verdict: 'secret-refused' as const,
          ok: false,
          mailType: '-',
          switchedToGmail: false,
          likelyCause: `Google refuses the client secret the PBX holds (${held.verdict}): disabled or deleted in the Console, or the client was deleted; no test mail was sent`,
          nextAction: nextAction.secretRefused(tenant, stored.clientId, held),
        };
      }
    }
    return verifyIn(pbx, sessions, tenant, settings.level, !!options.dryRun);
  });
  if (result.ok) await recordProof(sessions, tenant, secretName);
  return result;
}

/**
 * Record that a test mail just proved `version` (when the caller knows which version the PBX holds),
 * else the version gwkit last wrote into this PBX tenant.
 */
export async function recordProof(sessions: SessionProvider, tenant: TenantConfig, secretName: string, known?: number): Promise<void> {
  const { records } = await sessions.google();
  const where = pbxTargetOf(tenant);
  const applied = known === undefined ? (await records.read(secretName)).applied : undefined;
  const version = known ?? (applied && isFor(applied, where) ? applied.version : undefined);
  await records.recordProof(secretName, { ...where, ...(version ? { version } : {}), at: new Date().toISOString() });
}

/** `gwkit verify`: every selected tenant, each as far as a test mail can prove. */
export function verifyFleet(
  sessions: SessionProvider,
  options: { dryRun?: boolean; concurrency?: number } = {},
): Promise<FleetReport<VerifyResult>> {
  return runFleet(sessions.tenants, (t) => verifyTenant(sessions, t, options), {
    concurrency: options.concurrency,
    progress: sessions.progress,
    signal: sessions.signal,
    outcomeOf: outcomeOfVerify,
  });
}

/** A verification's exit code and next action, for a fleet outcome. */
const outcomeOfVerify = (r: VerifyResult) => ({ exitCode: exitCodeOfVerdict(r.verdict), nextAction: r.nextAction });

/**
 * Poll verification for several tenants until each passes, fails for a reason waiting cannot
 * fix, or time runs out. A failed attempt sends no mail (no authorization, no mail), so polling
 * leaves exactly one test mail per tenant, the one that passes. Each tenant's attempt ends in an
 * outcome of its own: a timeout or 5xx from one tenant's proof fails that tenant (the test mail is
 * not repeated after it) while the others keep waiting.
 */
export async function waitForVerification(
  ctx: SessionProvider,
  tenants: readonly TenantConfig[],
  options: {
    timeoutMs: number;
    intervalMs: number;
    concurrency?: number;
    /** Credential secrets by tenant id, when not the derived ones (post-deploy --outputs-file). */
    secretNames?: ReadonlyMap<string, string>;
    onAttempt?: (outcomes: readonly TenantOutcome<VerifyResult>[]) => void;
  },
): Promise<Map<string, TenantOutcome<VerifyResult>>> {
  const deadline = Date.now() + options.timeoutMs;
  // One worker's worth of sessions at a time, as in any fleet command.
  const limit = pLimit(options.concurrency ?? DEFAULT_CONCURRENCY);
  const last = new Map<string, TenantOutcome<VerifyResult>>();
  let pending = [...tenants];
  for (;;) {
    const round = await Promise.all(
      pending.map((t) =>
        limit(() =>
          outcomeOfWork(t, (tenant) => verifyTenant(ctx, tenant, { secretName: options.secretNames?.get(tenant.id) }), outcomeOfVerify),
        ),
      ),
    );
    for (const o of round) last.set(o.tenant, o);
    options.onAttempt?.(round);
    // Only a missing consent can change by itself (a person consenting); anything else is final.
    pending = pending.filter((t) => last.get(t.id)!.result?.verdict === 'consent-missing');
    if (pending.length === 0 || Date.now() + options.intervalMs > deadline || ctx.signal?.aborted) return last;
    // Interrupted (Ctrl-C, SIGTERM): stop waiting at once, with what is known.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, options.intervalMs);
      ctx.signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
    if (ctx.signal?.aborted) return last;
  }
}
