/**
 * `gwkit post-deploy`: put the tenant's OAuth client into the PBX and hand out the consent link;
 * with `wait`, keep verifying until consent is proven.
 *
 * Idempotent: the PBX is written only when it does not hold the stored version (pbx-client.ts says
 * how that is known when the PBX masks the secret), read back, and recorded. Before anything, the
 * stored secret is checked with Google (secret-check.ts): one Google refuses is never written into
 * a PBX (that would retire the secret the PBX holds) nor reported as verified.
 */
import type { PbxSettings, TenantConfig } from '../config';
import { WaitingOnPersonError } from '../errors';
import type { StoredClientPair } from '../google';
import type { CredentialSecretFacts } from '../records';
import type { PortSipClient } from '../pbx';
import { forEachTenant, type FleetReport, type TenantOutcome } from './fleet-runner';
import { applyClient, describePbxClient } from './pbx-client';
import { checkWithGoogle } from './secret-check';
import type { SessionProvider } from './session-provider';
import { credentialSecretNameOf, readStackOutputs } from './stack-outputs';
import {
  deriveView,
  describeVerifyFailure,
  exitCodeOfStage,
  exitCodeOfVerdict,
  fleetExitCode,
  nextAction,
  planNext,
  type Planner,
  type Stage,
} from './stage-model';
import { waitForVerification, type VerifyResult } from './verify';

export interface PostDeployResult {
  readonly tenant: string;
  readonly clientId: string;
  /** Secret Manager version of the pair the PBX holds (or, in a dry run, would be given). */
  readonly version: number;
  /** False when the PBX already held this version. */
  readonly changed: boolean;
  /** Why the PBX was (or would be) written. */
  readonly reason?: string;
  /** What was found on the PBX before. */
  readonly found: string;
  readonly dryRun: boolean;
  /** The link an administrator opens to consent ("Complete the authorization"). */
  readonly consentUri?: string;
  /**
   * client-registered: a dry run found the PBX needs the client; verified: proven (by a recorded
   * test mail, or by --wait) and Google accepts the secret now; broken: Google refuses the stored
   * secret, nothing was written.
   */
  readonly stage: Extract<Stage, 'client-registered' | 'pbx-configured' | 'consent-pending' | 'verified' | 'broken'>;
  readonly nextAction?: string;
  /** The proof attempts of --wait, when it ran for this tenant. */
  readonly verification?: VerifyResult;
}

export interface PostDeployOptions {
  readonly secretName: string;
  readonly dryRun?: boolean;
  /** Write even when the PBX is known to hold the stored version. */
  readonly force?: boolean;
  /** Whose consent step the next action names (client rotate asks for its own). @default 'post-deploy' */
  readonly planner?: Planner;
}

/** The stored pair and gwkit's records, or a person must import the client first. */
export async function storedClientOf(
  sessions: SessionProvider,
  tenant: TenantConfig,
  secretName: string,
): Promise<{ stored: StoredClientPair; records: CredentialSecretFacts }> {
  const { stored, records } = await (await sessions.google()).records.readWithLatest(secretName);
  if (!stored)
    throw new WaitingOnPersonError(`tenant "${tenant.id}": no OAuth client in ${secretName} yet`, nextAction.createClient(tenant));
  return { stored, records };
}

/** post-deploy inside an open PBX session (shared with rollout's single pass). */
export async function postDeployIn(
  pbx: PortSipClient,
  settings: PbxSettings,
  sessions: SessionProvider,
  tenant: TenantConfig,
  given: { stored: StoredClientPair; records: CredentialSecretFacts },
  options: PostDeployOptions,
): Promise<PostDeployResult> {
  const { records } = await sessions.google();
  const check = await checkWithGoogle(sessions, tenant, given.records, given.stored, {
    version: given.stored.version,
    pbxHoldsStored: true,
  });
  if (check.kind === 'refused') {
    return {
      tenant: tenant.id,
      clientId: given.stored.clientId,
      version: given.stored.version,
      changed: false,
      found: `not read: Google refuses the stored secret (version ${given.stored.version}), so nothing was written`,
      dryRun: !!options.dryRun,
      stage: 'broken',
      nextAction: nextAction.secretRefused(tenant, given.stored.clientId, check),
    };
  }
  const step = await applyClient(pbx, settings.level, tenant, given.stored, records, {
    secretName: options.secretName,
    record: given.records.applied,
    force: options.force,
    dryRun: options.dryRun,
    log: sessions.log,
  });
  const base = {
    tenant: tenant.id,
    clientId: given.stored.clientId,
    version: given.stored.version,
    changed: step.changed,
    reason: step.reason,
    found: describePbxClient(step.verdict, given.stored),
    dryRun: !!options.dryRun,
  };
  if (options.dryRun && step.changed) {
    // The PBX's current link belongs to the client about to be replaced: consenting there is wasted.
    return { ...base, stage: 'client-registered', nextAction: nextAction.writeForReal(given.stored.clientId) };
  }
  // The PBX holds the stored client now: where it stands is the stage model's to say (a recorded
  // proof counts only when nothing was written), and a drift fix comes before the consent step.
  const derived = deriveView(tenant, {
    side: { facts: [], ...given },
    onPbx: step.after,
    now: Date.now(),
    held: check,
    verdict: step.verdictAfter,
    writtenNow: step.changed,
  });
  const { stage, consentUri } = derived.view;
  const next = planNext(tenant, derived, options.planner ?? 'post-deploy');
  return {
    ...base,
    stage: stage as PostDeployResult['stage'],
    ...(consentUri ? { consentUri } : {}),
    ...(next ? { nextAction: next } : {}),
  };
}

export async function postDeployTenant(
  sessions: SessionProvider,
  tenant: TenantConfig,
  options: PostDeployOptions,
): Promise<PostDeployResult> {
  const given = await storedClientOf(sessions, tenant, options.secretName);
  return sessions.withPbx(tenant, (pbx, settings) => postDeployIn(pbx, settings, sessions, tenant, given, options));
}

export interface PostDeployFleetOptions {
  /** `cdktf deploy --outputs-file` output to take the credential secrets from. @default derived from gwkit.yaml */
  readonly outputsFile?: string;
  readonly dryRun?: boolean;
  readonly force?: boolean;
  readonly concurrency?: number;
  /** Called once with the consent links to hand out (print them, open a browser). */
  readonly onConsentLinks?: (links: readonly { tenant: string; consentUri: string }[]) => void;
  /** Keep verifying (test mail) until consent is proven or the time is up. */
  readonly wait?: { readonly timeoutMs: number; readonly intervalMs: number };
}

/**
 * `gwkit post-deploy`: every selected tenant; exit 3 while consent is a person's job. Every input
 * (outputs file, PBX passwords) is checked before anything is written: bad input changes nothing.
 */
export async function postDeployFleet(sessions: SessionProvider, options: PostDeployFleetOptions): Promise<FleetReport<PostDeployResult>> {
  const outputs = options.outputsFile ? readStackOutputs(options.outputsFile) : undefined;
  const secretNames = new Map(sessions.tenants.map((t) => [t.id, credentialSecretNameOf(t, outputs, options.outputsFile)]));
  await sessions.assertPbxReady();
  let outcomes: TenantOutcome<PostDeployResult>[] = await forEachTenant(
    sessions.tenants,
    (t) => postDeployTenant(sessions, t, { secretName: secretNames.get(t.id)!, dryRun: options.dryRun, force: options.force }),
    {
      concurrency: options.concurrency,
      progress: sessions.progress,
      signal: sessions.signal,
      outcomeOf: (r) => ({ exitCode: exitCodeOfStage(r.stage), nextAction: r.nextAction }),
    },
  );
  const pending = outcomes.filter((o) => o.result?.consentUri && !o.result.dryRun && o.result.stage === 'consent-pending');
  if (pending.length) options.onConsentLinks?.(pending.map((o) => ({ tenant: o.tenant, consentUri: o.result!.consentUri! })));

  if (options.wait && pending.length) {
    const { timeoutMs, intervalMs } = options.wait;
    sessions.log(
      `gwkit: waiting up to ${timeoutMs / 1000}s for consent, verifying every ${intervalMs / 1000}s (a test mail is sent once it works)`,
    );
    const verified = await waitForVerification(
      sessions,
      sessions.tenants.filter((t) => pending.some((o) => o.tenant === t.id)),
      {
        timeoutMs,
        intervalMs,
        concurrency: options.concurrency,
        secretNames,
        onAttempt: (round) =>
          sessions.log(`gwkit: verified ${round.filter((o) => o.result?.ok).length}/${round.length} of those still pending`),
      },
    );
    outcomes = outcomes.map((o) => {
      const w = verified.get(o.tenant);
      if (!w || !o.result) return o;
      const v = w.result;
      // The proof failed outright (a timeout, a 5xx): that tenant fails, with what post-deploy did kept.
      if (!v) return { ...o, exitCode: w.exitCode, error: w.error, nextAction: w.nextAction };
      const stillMissing = v.verdict === 'consent-missing';
      const next = v.ok
        ? undefined
        : stillMissing
          ? `still missing after ${timeoutMs / 1000}s: consent. ${o.result.nextAction}`
          : describeVerifyFailure(v);
      const stage = v.ok ? 'verified' : v.verdict === 'secret-refused' ? 'broken' : o.result.stage;
      return {
        ...o,
        exitCode: exitCodeOfVerdict(v.verdict),
        nextAction: next,
        result: { ...o.result, stage, nextAction: next, verification: v },
      };
    });
  }
  return { tenants: outcomes, exitCode: fleetExitCode(outcomes) };
}
