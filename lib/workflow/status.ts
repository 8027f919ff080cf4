/**
 * `gwkit status`: each tenant's stage, derived live from the sources themselves (Google
 * Resource Manager, Service Usage, Secret Manager and its record of what the PBX holds, the PBX),
 * never from a private ledger.
 *
 *   planned → provisioned → client-registered → pbx-configured → consent-pending → verified
 *
 * The PBX API has no field that says consent was given (docs/portsip-api.md), so "verified" needs
 * proof: a test mail (`gwkit verify`, or `gwkit status --verify`).
 */
import type { TenantConfig } from '../config';
import { enabledServices, getProject, type PbxAppliedRecord, type StoredClientPair } from '../google';
import type { RunContext } from './context';
import { describePbxClient, judgePbxClient, pbxTargetOf } from './pbx-client';

export const STAGES = ['planned', 'provisioned', 'client-registered', 'pbx-configured', 'consent-pending', 'verified'] as const;
export type Stage = (typeof STAGES)[number];

export interface TenantStatus {
  readonly tenant: string;
  readonly projectId: string;
  readonly stage: Stage;
  /** What was found, one fact per line. */
  readonly facts: readonly string[];
  /** What to do next; absent once verified. */
  readonly nextAction?: string;
  readonly consentUri?: string;
  /** Secret Manager version of the client the PBX holds, when known. */
  readonly pbxVersion?: number;
}

/** Optional last step: proof by test mail (issue: verify). Returns a fact line, or throws. */
export type VerifyProbe = (tenant: TenantConfig) => Promise<{ ok: boolean; fact: string; nextAction?: string }>;

/** The Google side of a tenant: stops early (planned, provisioned) or yields the stored client. */
export type GoogleSide =
  | { readonly done: TenantStatus }
  | { readonly done?: undefined; readonly facts: string[]; readonly stored: StoredClientPair; readonly record?: PbxAppliedRecord };

export async function googleSide(ctx: RunContext, tenant: TenantConfig): Promise<GoogleSide> {
  const facts: string[] = [];
  const base = { tenant: tenant.id, projectId: tenant.projectId };
  const deploy = `GWKIT_TENANTS=${tenant.id} npx cdktf deploy ${tenant.id}`;
  const google = await ctx.google();

  const project = await getProject(google.auth, tenant.projectId, { endpoints: google.endpoints });
  if (!project) return { done: { ...base, stage: 'planned', facts: [`project ${tenant.projectId} not found (or not visible to these credentials)`], nextAction: deploy } };
  facts.push(`project ${tenant.projectId} (#${project.projectNumber}) ${project.state}`);

  const apis = await enabledServices(google.auth, tenant.projectId, [...tenant.apis], { endpoints: google.endpoints });
  const off = Object.entries(apis).filter(([, on]) => !on).map(([name]) => name);
  if (off.length) return { done: { ...base, stage: 'planned', facts: [...facts, `APIs not enabled: ${off.join(', ')}`], nextAction: deploy } };
  facts.push(`APIs enabled: ${tenant.apis.length}`);

  const [stored, record] = await Promise.all([google.store.accessLatest(tenant.credentialSecretName), google.store.readApplied(tenant.credentialSecretName)]);
  if (!stored) {
    return {
      done: {
        ...base,
        stage: 'provisioned',
        facts: [...facts, 'no OAuth client imported yet'],
        nextAction: `gwkit client guide --tenant ${tenant.id}, then gwkit client import --tenant ${tenant.id} --file CLIENT.json`,
      },
    };
  }
  facts.push(`client ${stored.clientId} in Secret Manager (version ${stored.version})`);
  if (!tenant.pbx) {
    return { done: { ...base, stage: 'client-registered', facts: [...facts, 'no PBX configured in gwkit.yaml'], nextAction: 'add pbx settings for this tenant to gwkit.yaml' } };
  }
  return { facts, stored, record };
}

export async function tenantStatus(ctx: RunContext, tenant: TenantConfig, verify?: VerifyProbe): Promise<TenantStatus> {
  const side = await googleSide(ctx, tenant);
  if (side.done) return side.done;
  const { facts, stored, record } = side;
  const base = { tenant: tenant.id, projectId: tenant.projectId };

  return ctx.withPbx(tenant, async (pbx, settings) => {
    const onPbx = await pbx.getGoogle(settings.level);
    // The secret counts too: after a rotation the PBX holds the right id with a dead secret. A
    // masked secret is judged by gwkit's record of what it wrote (pbx-client.ts).
    const verdict = judgePbxClient(onPbx, stored, record, pbxTargetOf(tenant));
    facts.push(describePbxClient(verdict, stored));
    if (verdict.kind !== 'current') {
      const held = verdict.kind === 'other-secret' ? verdict.recordedVersion : undefined;
      return { ...base, stage: 'client-registered', facts, pbxVersion: held, nextAction: `gwkit post-deploy --tenant ${tenant.id}` };
    }
    const pbxVersion = stored.version;
    const consentUri = onPbx.auth_consent_uri || undefined;
    if (!consentUri) {
      return { ...base, stage: 'pbx-configured', facts, pbxVersion, nextAction: 'the PBX offers no consent link yet: check Integrations > Google Workspace in its web portal' };
    }
    if (verify) {
      const proof = await verify(tenant);
      facts.push(proof.fact);
      if (proof.ok) return { ...base, stage: 'verified', facts, consentUri, pbxVersion };
      if (proof.nextAction) return { ...base, stage: 'consent-pending', facts, consentUri, pbxVersion, nextAction: proof.nextAction };
    }
    return {
      ...base,
      stage: 'consent-pending',
      facts,
      consentUri,
      pbxVersion,
      nextAction: verify
        ? `a Google Workspace administrator opens the consent link and allows access, then gwkit verify --tenant ${tenant.id}`
        : `consent at the link if not done yet, then prove it: gwkit verify --tenant ${tenant.id} (or gwkit status --verify)`,
    };
  });
}
