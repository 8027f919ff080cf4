/**
 * `gwkit rollout`: take each tenant as far as automation allows, from where it stands (derived
 * live by `tenantStatus`), and say what is left for people. It never runs Terraform and never
 * creates OAuth clients (Google has no API for them); it does post-deploy, and with `verify`
 * proves the result with a test mail.
 */
import type { TenantConfig } from '../config';
import { ExitCode } from '../errors';
import type { RunContext } from './context';
import { postDeployTenant } from './post-deploy';
import { tenantStatus, type Stage } from './status';
import { describeVerifyFailure, verifyExitCode, verifyTenant } from './verify';

export interface RolloutResult {
  readonly tenant: string;
  /** Stage found before rollout acted. */
  readonly from: Stage;
  /** Stage reached. */
  readonly stage: Stage;
  /** What rollout did, in words. */
  readonly done: readonly string[];
  /** What is left, for whom; absent when verified. */
  readonly nextAction?: string;
  readonly consentUri?: string;
  readonly exitCode: ExitCode;
}

export async function rolloutTenant(ctx: RunContext, tenant: TenantConfig, options: { verify?: boolean; dryRun?: boolean } = {}): Promise<RolloutResult> {
  const found = await tenantStatus(ctx, tenant);
  const base = { tenant: tenant.id, from: found.stage };
  const waiting = (stage: Stage, nextAction: string | undefined, done: string[] = [], consentUri?: string): RolloutResult => ({
    ...base,
    stage,
    done,
    nextAction,
    consentUri,
    exitCode: ExitCode.WaitingOnPerson,
  });

  if (found.stage === 'planned' || found.stage === 'provisioned') return waiting(found.stage, found.nextAction);

  const done: string[] = [];
  let stage: Stage = found.stage;
  let consentUri = found.consentUri;
  let nextAction = found.nextAction;
  if (found.stage === 'client-registered' || found.stage === 'pbx-configured') {
    const written = await postDeployTenant(ctx, tenant, { secretName: tenant.clientSecretName, dryRun: options.dryRun });
    done.push(written.changed ? (written.dryRun ? 'would write the client into the PBX (dry run)' : 'wrote the client into the PBX') : 'PBX already held the client');
    ({ stage, consentUri, nextAction } = written);
  }
  if (!options.verify || stage !== 'consent-pending' || options.dryRun) return waiting(stage, nextAction, done, consentUri);

  const proof = await verifyTenant(ctx, tenant);
  if (proof.ok) return { ...base, stage: 'verified', done: [...done, `test mail to ${proof.recipient} sent through Gmail`], exitCode: ExitCode.Ok };
  done.push(`test mail not proven: ${proof.verdict}`);
  return {
    ...base,
    stage,
    done,
    consentUri,
    nextAction: proof.verdict === 'consent-missing' ? nextAction : describeVerifyFailure(proof),
    exitCode: verifyExitCode(proof),
  };
}
