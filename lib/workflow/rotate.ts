/**
 * `gwkit client rotate`: replace the OAuth client's secret without downtime, using Google's
 * two-secret rotation (a client can hold a second secret while the first is phased out).
 *
 *   1. a person adds a second secret in the Console and downloads the client JSON;
 *   2. gwkit imports it (same client id, probed at Google's token endpoint) as a new version,
 *      and records the rotation on the credential secret (annotation `gwkit-rotation`);
 *   3. gwkit writes it into the PBX and proves it with a test mail;
 *   4. a person disables the old secret in the Console;
 *   5. gwkit checks Google now refuses the old secret, disables the old Secret Manager version(s)
 *      and ends the rotation.
 *
 * Every run derives where the rotation stands from the sources (the record, the versions, the PBX,
 * the proof), so an interrupted rotation resumes by running the same command again. Before any
 * step that retires something (telling a person to disable the old secret, retiring versions),
 * Google must accept the secret the PBX holds now (secret-check.ts): a person may have disabled
 * the new secret by mistake, and then nothing is retired and the run fails, saying how to recover.
 */
import type { TenantConfig } from '../config';
import { ExitCode, InputError } from '../errors';
import { parseClientFile } from '../google';
import type { ClientSource } from './client-import';
import { postDeployIn, storedClientOf } from './post-deploy';
import { gwkitCommand } from './printed-commands';
import { checkWithGoogle, readableVersion } from './secret-check';
import type { SessionProvider } from './session-provider';
import { describeVerifyFailure, exitCodeOfStage, exitCodeOfVerdict, nextAction } from './stage-model';
import { recordProof, verifyIn } from './verify';

/** `broken`: Google refuses the secret gwkit would rely on; nothing was retired. */
export type RotationStep = 'add-secret' | 'consent' | 'disable-old-secret' | 'done' | 'broken';

export interface RotateResult {
  readonly tenant: string;
  readonly clientId: string;
  /** Where the rotation stands after this run. */
  readonly step: RotationStep;
  readonly fromVersion?: number;
  readonly toVersion?: number;
  /** What this run did, in words. */
  readonly done: readonly string[];
  readonly nextAction?: string;
  readonly exitCode: ExitCode;
}

export async function rotateClient(
  sessions: SessionProvider,
  tenant: TenantConfig,
  options: { source?: ClientSource; dryRun?: boolean } = {},
): Promise<RotateResult> {
  const { store, records: book } = await sessions.google();
  const secretName = tenant.credentialSecretName;
  let { stored, records } = await storedClientOf(sessions, tenant, secretName);
  const done: string[] = [];
  const base = (step: RotationStep, extra: Partial<RotateResult>): RotateResult => ({
    tenant: tenant.id,
    clientId: stored.clientId,
    step,
    done,
    exitCode: ExitCode.WaitingOnPerson,
    ...(records.rotation ? { fromVersion: records.rotation.fromVersion, toVersion: records.rotation.toVersion } : {}),
    ...extra,
  });
  /** The stored secret refused by Google: nothing more is done, and the way back is named. */
  const broken = (check: Parameters<typeof nextAction.secretRefused>[2]) =>
    base('broken', { exitCode: exitCodeOfStage('broken'), nextAction: nextAction.secretRefused(tenant, stored.clientId, check) });

  // Step 2: a new secret arrives (the file the person downloaded after "Add secret").
  if (options.source) {
    if (options.source.kind !== 'file') throw new InputError('client rotate: give the downloaded client JSON with --file or --stdin');
    const file = parseClientFile(options.source.text, options.source.source);
    if (file.clientId !== stored.clientId) {
      throw new InputError(
        `${file.source}: client ${file.clientId} is not the tenant's client ${stored.clientId}; a rotation keeps the client and changes its secret (for a new client use ${gwkitCommand(`client import --tenant ${tenant.id} --file <client_secret.json>`)})`,
      );
    }
    if (file.clientSecret === stored.clientSecret) {
      if (!records.rotation)
        throw new InputError(
          `${file.source}: this is the secret already stored (version ${stored.version}); add a second secret to the client in the Console first`,
        );
    } else {
      const check = await checkWithGoogle(sessions, tenant, records, file, { pbxHoldsStored: false });
      if (check.kind === 'refused') {
        throw new InputError(
          `${file.source}: Google rejects the new secret of client ${file.clientId} (${check.verdict}); nothing was stored`,
          ['check that the file is the one downloaded after "Add secret", and that the new secret is enabled in the Console'],
        );
      }
      if (options.dryRun)
        return base('add-secret', {
          done: ['the new secret is accepted by Google (dry run: nothing stored)'],
          nextAction: nextAction.storeForReal(),
        });
      const fromVersion = records.rotation?.fromVersion ?? stored.version;
      const startedAt = records.rotation?.startedAt ?? new Date().toISOString();
      // The intent first (toVersion 0: not stored yet), so that a stop right after storing is found again.
      await book.recordRotation(secretName, { clientId: stored.clientId, fromVersion, toVersion: 0, startedAt });
      const added = await store.addVersion(secretName, { clientId: file.clientId, clientSecret: file.clientSecret });
      const toVersion = Number(added.version.split('/').pop());
      await book.recordRotation(secretName, { clientId: stored.clientId, fromVersion, toVersion, startedAt });
      done.push(`stored the new secret as version ${toVersion}`);
      ({ stored, records } = await storedClientOf(sessions, tenant, secretName));
    }
  }

  // Stopped between storing the new secret and recording its version: the newest version is it.
  if (records.rotation?.toVersion === 0 && stored.version > records.rotation.fromVersion) {
    await book.recordRotation(secretName, { ...records.rotation, toVersion: stored.version });
    ({ stored, records } = await storedClientOf(sessions, tenant, secretName));
  }
  const rotation = records.rotation?.toVersion ? records.rotation : undefined;
  if (!rotation) {
    // "The old secret keeps working meanwhile" is only said when Google accepts it now.
    const current = await checkWithGoogle(sessions, tenant, records, stored, { version: stored.version, pbxHoldsStored: true });
    if (current.kind === 'refused') return broken(current);
    return base('add-secret', { nextAction: nextAction.addSecret(tenant, stored.clientId) });
  }
  if (options.dryRun) return base('consent', { nextAction: nextAction.rotateForReal(rotation.toVersion) });

  // Step 3: the PBX gets the new version and a test mail proves it (both skipped when done before).
  // post-deploy first checks with Google that the new secret is accepted now: after that, the PBX
  // holds it, so every later step rests on a secret Google accepts, not on the recorded proof.
  const step = await sessions.withPbx(tenant, async (pbx, settings) => {
    const written = await postDeployIn(pbx, settings, sessions, tenant, { stored, records }, { secretName, planner: 'rotate' });
    if (written.changed) done.push(`wrote version ${written.version} into the PBX`);
    if (written.stage !== 'consent-pending') return { written, proof: undefined };
    return { written, proof: await verifyIn(pbx, sessions, tenant, settings.level, false) };
  });
  if (step.written.stage === 'broken') {
    return base('broken', { exitCode: exitCodeOfStage('broken'), nextAction: step.written.nextAction });
  }
  if (step.written.stage !== 'verified') {
    if (!step.proof?.ok) {
      // Consent missing: the stage model's consent step, in rotate's words (or its drift fix first).
      const consentMissing = step.proof?.verdict === 'consent-missing' && step.written.consentUri;
      return base('consent', {
        exitCode: step.proof ? exitCodeOfVerdict(step.proof.verdict) : ExitCode.WaitingOnPerson,
        nextAction: step.proof && !consentMissing ? describeVerifyFailure(step.proof) : step.written.nextAction,
      });
    }
    await recordProof(sessions, tenant, secretName, rotation.toVersion);
    done.push(`test mail to ${step.proof.recipient} sent through Gmail with the new secret`);
  }
  done.push(`Google accepts the new secret the PBX holds (version ${stored.version})`);

  // Steps 4 and 5: the old secret must be refused by Google before its versions are retired.
  // Gone or disabled already: nothing to check. Any other failure stops here (nothing retired unchecked).
  const old = await readableVersion(store, secretName, rotation.fromVersion);
  if (old && old.clientSecret !== stored.clientSecret) {
    const check = await checkWithGoogle(sessions, tenant, records, old, { version: old.version, pbxHoldsStored: false });
    if (check.kind === 'accepted') {
      return base('disable-old-secret', { nextAction: nextAction.disableOldSecret(tenant, stored.clientId, rotation.startedAt) });
    }
    done.push('Google refuses the old secret');
  }
  for (const version of await store.enabledVersions(secretName)) {
    if (version < rotation.toVersion) {
      await store.disableVersion(secretName, version);
      done.push(`disabled old version ${version}`);
    }
  }
  await book.recordRotation(secretName, undefined);
  done.push('rotation finished');
  return base('done', { exitCode: ExitCode.Ok, nextAction: undefined });
}
