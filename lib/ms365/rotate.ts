/**
 * `gwkit client rotate` for a Microsoft 365 tenant: renewing the PBX's certificate, which
 * PortSIP makes valid for one year.
 *
 * What downtime means here: the PBX switches to a new key pair the moment it generates one
 * (`POST /ms365/certificate`), and only then is its public certificate known. From that moment
 * until the app registration holds the new certificate, Microsoft refuses the PBX's token requests
 * (AADSTS700027): user sync and Microsoft sign-in on the PBX fail. gwkit keeps that window to one
 * deploy: it records the new certificate beside the old one at once (the stack registers one
 * credential per thumbprint, so the deploy only adds), says to deploy now, and proves the result
 * with the PBX reading users; only then does it retire the old certificate.
 *
 *   renew       nothing under way; `--new-certificate` has the PBX generate a new key pair
 *   deploy      the PBX uses a certificate the app may not hold yet: `cdktn deploy`, then run again
 *   retire-old  the new certificate is proven; the old ones were removed from the facts file: deploy
 *   done        one certificate, proven
 *
 * Every run derives the step from the PBX and the facts file, so it resumes where it stopped.
 */
import type { Ms365TenantConfig } from '../config';
import { ExitCode } from '../errors';
import { cdkCommand } from '../workflow/printed-commands';
import type { SessionProvider } from '../workflow/session-provider';
import { certificateFact, type CertificateFact } from './pbx-facts';
import { certificateWarnings, integrationRefusal, likelyCause, ms365NextAction, recordFacts } from './workflow';

export type RenewalStep = 'renew' | 'deploy' | 'retire-old' | 'done' | 'broken';

export interface CertificateRenewal {
  readonly tenant: string;
  readonly suite: 'microsoft-365';
  readonly step: RenewalStep;
  /** The certificate the PBX uses now, when it has one. */
  readonly thumbprint?: string;
  readonly notAfter?: string;
  /** What this run did, in words. */
  readonly done: readonly string[];
  readonly nextAction?: string;
  readonly exitCode: ExitCode;
}

/** The plain statement of the outage a new key pair causes, said before and when it happens. */
const RENEWAL_OUTAGE =
  'the PBX uses a new key pair from the moment it generates it, so Microsoft 365 user sync and sign-in on the PBX fail until the app holds the new certificate (one deploy)';

export async function renewMs365Certificate(
  sessions: SessionProvider,
  tenant: Ms365TenantConfig,
  options: { newCertificate?: boolean; dryRun?: boolean; now?: Date } = {},
): Promise<CertificateRenewal> {
  const now = options.now ?? new Date();
  const facts = tenant.microsoft365.facts;
  const done: string[] = [];
  const result = (
    step: RenewalStep,
    cert: CertificateFact | undefined,
    extra: { nextAction?: string; exitCode?: ExitCode },
  ): CertificateRenewal => ({
    tenant: tenant.id,
    suite: 'microsoft-365',
    step,
    ...(cert ? { thumbprint: cert.thumbprint, notAfter: cert.notAfter } : {}),
    done,
    exitCode: ExitCode.WaitingOnPerson,
    ...extra,
  });
  if (!facts) return result('renew', undefined, { nextAction: ms365NextAction.discover(tenant) });
  const deployThenAgain = `${cdkCommand('deploy', [tenant.id])}, then ${ms365NextAction.finishRotation(tenant)}`;

  return sessions.withPbx(tenant, async (pbx) => {
    const served = await pbx.downloadMs365Certificate();
    let current = served ? certificateFact(served) : undefined;
    const registered = (c: CertificateFact) => facts.certificates.some((r) => r.thumbprint === c.thumbprint);

    if (options.newCertificate) {
      if (current && !registered(current)) {
        done.push(`not generating another key pair: the PBX already uses certificate ${current.thumbprint}, which is not recorded yet`);
      } else if (options.dryRun) {
        done.push(`would have the PBX generate a new key pair (dry run): ${RENEWAL_OUTAGE}`);
        return result('renew', current, { exitCode: ExitCode.Ok });
      } else {
        current = certificateFact(await pbx.generateMs365Certificate());
        done.push(
          `the PBX generated certificate ${current.thumbprint} (valid until ${current.notAfter}) and uses it from now on: ${RENEWAL_OUTAGE}`,
        );
      }
    }
    if (!current) return result('renew', undefined, { nextAction: ms365NextAction.discover(tenant) });

    if (!registered(current)) {
      if (!options.dryRun) recordFacts(tenant, { current }, now);
      done.push(
        `${options.dryRun ? 'would record' : 'recorded'} certificate ${current.thumbprint} in ${tenant.microsoft365.factsFile}, beside the one(s) the app holds`,
      );
      return result('deploy', current, {
        nextAction: `now (the PBX already uses it): commit ${tenant.microsoft365.factsFile}, then ${deployThenAgain}`,
      });
    }

    let users: number;
    try {
      const read = await pbx.listMs365Users();
      users = read.count ?? read.items?.length ?? 0;
    } catch (error) {
      const message = integrationRefusal(error);
      if (message === undefined) throw error;
      // The certificate is recorded but Microsoft does not know it: the deploy has not happened yet.
      if (/AADSTS700027/.test(message)) {
        done.push(`certificate ${current.thumbprint} is recorded, but Microsoft refuses it (the app does not hold it yet)`);
        return result('deploy', current, { nextAction: deployThenAgain });
      }
      done.push(`reading users through the PBX failed: ${message}`);
      return result('broken', current, { nextAction: likelyCause(tenant, message), exitCode: ExitCode.Failed });
    }

    const older = facts.certificates.filter((c) => c.thumbprint !== current.thumbprint);
    if (older.length) {
      if (!options.dryRun) recordFacts(tenant, { current, keep: 'current' }, now);
      done.push(`certificate ${current.thumbprint} works (the PBX read ${users} user(s) through Graph)`);
      done.push(
        `${options.dryRun ? 'would remove' : 'removed'} the older certificate(s) ${older.map((c) => c.thumbprint).join(', ')} from ${tenant.microsoft365.factsFile}`,
      );
      return result('retire-old', current, {
        nextAction: `commit ${tenant.microsoft365.factsFile}, then remove the old certificate(s) from the app: ${cdkCommand('deploy', [tenant.id])}`,
      });
    }
    done.push(`certificate ${current.thumbprint} works (the PBX read ${users} user(s) through Graph); valid until ${current.notAfter}`);
    const due = certificateWarnings(tenant, now).length > 0;
    return result('done', current, { exitCode: ExitCode.Ok, ...(due ? { nextAction: ms365NextAction.renew(tenant) } : {}) });
  });
}
