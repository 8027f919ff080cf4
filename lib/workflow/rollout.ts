/**
 * `gwkit rollout`: take each tenant as far as automation allows, from where it stands (derived
 * live), and say what is left for people. It never runs Terraform and never creates OAuth clients
 * (Google has no API for them); it does post-deploy, and with `verify` proves the result with a
 * test mail.
 *
 * One pass per tenant: the Google side is read once, then one PBX session (reused from the pool)
 * serves the stage, the write and the proof. A tenant whose PBX already holds the client costs
 * two PBX requests (switch, read); one that needs the client, four (switch, read, write, read back).
 */
import type { TenantConfig } from '../config';
import { ExitCode } from '../errors';
import { runFleet, type FleetReport } from './fleet-runner';
import { postDeployIn } from './post-deploy';
import type { SessionProvider } from './session-provider';
import { describeVerifyFailure, exitCodeOfStage, exitCodeOfVerdict, googleSide, type Stage } from './stage-model';
import { recordProof, verifyIn } from './verify';

export interface RolloutResult {
  readonly tenant: string;
  readonly projectId: string;
  /** Stage found before rollout acted. */
  readonly from: Stage;
  /** Stage reached. */
  readonly stage: Stage;
  /** What rollout did, in words. */
  readonly done: readonly string[];
  /** What is left, for whom; absent when verified. */
  readonly nextAction?: string;
  readonly consentUri?: string;
  /** Secret Manager version of the client the PBX holds. */
  readonly pbxVersion?: number;
  /** Mail settings before a switch to GMAIL (to restore by hand). */
  readonly previousMailSettings?: Record<string, unknown>;
  readonly exitCode: ExitCode;
}

export async function rolloutTenant(
  ctx: SessionProvider,
  tenant: TenantConfig,
  options: { verify?: boolean; dryRun?: boolean; force?: boolean } = {},
): Promise<RolloutResult> {
  const side = await googleSide(ctx, tenant);
  if (side.done) {
    const { stage, nextAction } = side.done;
    return { tenant: tenant.id, projectId: tenant.projectId, from: stage, stage, done: [], nextAction, exitCode: exitCodeOfStage(stage) };
  }

  return ctx.withPbx(tenant, async (pbx, settings) => {
    const written = await postDeployIn(pbx, settings, ctx, tenant, side, {
      secretName: tenant.credentialSecretName,
      dryRun: options.dryRun,
      force: options.force,
    });
    // Before acting, the tenant stood at client-registered when the PBX lacked the client.
    const from: Stage = written.changed ? 'client-registered' : written.stage;
    // The stage model said verified with nothing written: a recorded test mail proves this version.
    const provenBefore = !written.changed && written.stage === 'verified' && side.records.proof;
    const done = [
      written.stage === 'broken'
        ? 'nothing written: Google refuses the stored secret'
        : written.changed
          ? written.dryRun
            ? 'would write the client into the PBX (dry run)'
            : 'wrote the client into the PBX'
          : 'PBX already held the client',
      ...(provenBefore ? [`already proven by a test mail (${provenBefore.at})`] : []),
    ];
    const base = {
      tenant: tenant.id,
      projectId: tenant.projectId,
      from,
      consentUri: written.consentUri,
      pbxVersion: written.dryRun && written.changed ? undefined : written.version,
    };
    if (!options.verify || written.stage !== 'consent-pending' || options.dryRun) {
      return { ...base, stage: written.stage, done, nextAction: written.nextAction, exitCode: exitCodeOfStage(written.stage) };
    }

    const proof = await verifyIn(pbx, ctx, tenant, settings.level, false);
    const mail = proof.previousMailSettings ? { previousMailSettings: proof.previousMailSettings } : {};
    if (proof.ok) {
      await recordProof(ctx, tenant, tenant.credentialSecretName, written.version);
      return {
        ...base,
        ...mail,
        stage: 'verified',
        done: [...done, `test mail to ${proof.recipient} sent through Gmail`],
        exitCode: exitCodeOfStage('verified'),
      };
    }
    return {
      ...base,
      ...mail,
      stage: written.stage,
      done: [...done, `test mail not proven: ${proof.verdict}`],
      nextAction: proof.verdict === 'consent-missing' ? written.nextAction : describeVerifyFailure(proof),
      exitCode: exitCodeOfVerdict(proof.verdict),
    };
  });
}

/** `gwkit rollout`: every selected tenant as far as automation allows. */
export function rolloutFleet(
  sessions: SessionProvider,
  options: { verify?: boolean; dryRun?: boolean; force?: boolean; concurrency?: number } = {},
): Promise<FleetReport<RolloutResult>> {
  return runFleet(sessions.tenants, (t) => rolloutTenant(sessions, t, options), {
    concurrency: options.concurrency,
    progress: sessions.progress,
    signal: sessions.signal,
    outcomeOf: (r) => ({ exitCode: r.exitCode, nextAction: r.nextAction }),
  });
}
