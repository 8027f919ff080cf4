/**
 * gwkit's records about a tenant, kept on its credential secret as annotations (not in a ledger of
 * ours): which version the PBX was given, the last proof by test mail, which redirect URIs the
 * client was checked against, a rotation under way. A PBX that masks the client secret on read
 * cannot tell which secret it holds; these records can.
 *
 * Each record has one zod schema here. An annotation that does not match its schema (written by
 * hand, by another tool, or unreadable) counts as no record: gwkit then asks the sources again
 * (and, where the PBX masks the secret, writes the client once more), never trusts a guess.
 * lib/google/credential-store.ts only stores the annotations; what they mean lives here.
 */
import { z } from 'zod';
import type { TenantConfig } from '../config';
import type { ClientCredentialStore, StoredClientPair } from '../google';
import { sipDomainKey } from '../naming/sip-domain';

/** A time as recorded: ISO text; missing or not text reads as '' (unknown), as before zod. */
const recordedTime = z.string().catch('');

/** Where a record applies: the PBX API base URL, and the PBX tenant (`domain:…`, `name:…`, `… id:…`) or `system`. */
const PbxTargetSchema = z.object({ pbx: z.string(), target: z.string() });
export type PbxTarget = Readonly<z.infer<typeof PbxTargetSchema>>;

/** What gwkit last wrote into a PBX from this secret (`version`: the Secret Manager version it was given). */
const PbxAppliedSchema = PbxTargetSchema.extend({ version: z.number(), clientId: z.string(), at: recordedTime });
export type PbxAppliedRecord = Readonly<z.infer<typeof PbxAppliedSchema>>;

/** The last proof that the integration works: a test mail the PBX sent through Gmail (`version`: what the PBX held then, when known). */
const ProofSchema = PbxTargetSchema.extend({ version: z.number().optional().catch(undefined), at: z.string() });
export type ProofRecord = Readonly<z.infer<typeof ProofSchema>>;

/** Which redirect URIs the stored client was checked against at import (drift: the PBX's change later). */
const ClientCheckSchema = z.object({
  clientId: z.string(),
  redirectUris: z.array(z.unknown()).transform((uris) => uris.map(String)),
  at: recordedTime,
});
export type ClientCheckRecord = Readonly<Omit<z.infer<typeof ClientCheckSchema>, 'redirectUris'> & { redirectUris: readonly string[] }>;

/** A secret rotation under way: the old version, the new one (0 until stored), and since when. */
const RotationSchema = z.object({ clientId: z.string(), fromVersion: z.number(), toVersion: z.number(), startedAt: recordedTime });
export type RotationRecord = Readonly<z.infer<typeof RotationSchema>>;

/** The annotation key of each record (Secret Manager keys: 1-63 chars, no slash), its schema, and what it is, in words. */
export const RECORDS = {
  applied: { key: 'gwkit-pbx-applied', schema: PbxAppliedSchema, what: 'which version the PBX holds' },
  proof: { key: 'gwkit-last-proof', schema: ProofSchema, what: 'the last proof by test mail' },
  checked: { key: 'gwkit-client-checked', schema: ClientCheckSchema, what: 'the redirect URIs the client was checked against' },
  rotation: { key: 'gwkit-rotation', schema: RotationSchema, what: 'the rotation under way' },
} as const;
type RecordKind = keyof typeof RECORDS;

/** gwkit's facts about a tenant, as recorded on its credential secret; absent ones undefined. */
export interface CredentialSecretFacts {
  readonly applied?: PbxAppliedRecord;
  readonly proof?: ProofRecord;
  readonly checked?: ClientCheckRecord;
  readonly rotation?: RotationRecord;
}

/** One annotation's record, when its text is JSON its schema accepts. */
function readRecord<T>(schema: z.ZodType<T>, text: string | undefined): T | undefined {
  if (!text) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(doc);
  return parsed.success ? parsed.data : undefined;
}

/** The records in a secret's annotations (pure): each one its schema accepts, the rest as none. */
export function parseRecords(annotations: Readonly<Record<string, string>>): CredentialSecretFacts {
  return {
    applied: readRecord(RECORDS.applied.schema, annotations[RECORDS.applied.key]),
    proof: readRecord(RECORDS.proof.schema, annotations[RECORDS.proof.key]),
    checked: readRecord(RECORDS.checked.schema, annotations[RECORDS.checked.key]),
    rotation: readRecord(RECORDS.rotation.schema, annotations[RECORDS.rotation.key]),
  };
}

/**
 * Where a record applies for a tenant. A domain is recorded in its comparable form (lowercase
 * ASCII: the same record whichever spelling gwkit.yaml uses), and a pinned PBX tenant id is part
 * of the target, so a record never vouches for a case twin.
 */
export function pbxTargetOf(tenant: TenantConfig): PbxTarget {
  const pbx = tenant.pbx!;
  const ref = tenant.pbxTenant as { domain?: string; name?: string; id?: string };
  const named = ref.domain !== undefined ? `domain:${sipDomainKey(ref.domain)}` : `name:${ref.name}`;
  const target = pbx.level === 'system' ? 'system' : ref.id !== undefined ? `${named} id:${ref.id}` : named;
  return { pbx: pbx.apiUrl, target };
}

/** Whether a record was made for this PBX tenant. */
export function isFor(record: PbxTarget | undefined, where: PbxTarget): boolean {
  return !!record && record.pbx === where.pbx && record.target === where.target;
}

/** gwkit's records on credential secrets, read and written through the store's annotations. */
export class CredentialRecords {
  constructor(private readonly store: ClientCredentialStore) {}

  async read(secretName: string): Promise<CredentialSecretFacts> {
    return parseRecords(await this.store.readAnnotations(secretName));
  }

  /** The newest enabled pair (undefined before any import) and the records, read together. */
  async readWithLatest(secretName: string): Promise<{ stored: StoredClientPair | undefined; records: CredentialSecretFacts }> {
    const [stored, records] = await Promise.all([this.store.accessLatest(secretName), this.read(secretName)]);
    return { stored, records };
  }

  /** Record what the PBX was given. */
  recordApplied(secretName: string, record: PbxAppliedRecord): Promise<void> {
    return this.write(secretName, 'applied', record);
  }

  /** Record a successful test mail. */
  recordProof(secretName: string, record: ProofRecord): Promise<void> {
    return this.write(secretName, 'proof', record);
  }

  /** Record the redirect URIs an imported client was checked against. */
  recordChecked(secretName: string, record: ClientCheckRecord): Promise<void> {
    return this.write(secretName, 'checked', record);
  }

  /** Record a rotation under way, or (undefined) that it is over. */
  recordRotation(secretName: string, record: RotationRecord | undefined): Promise<void> {
    return this.write(secretName, 'rotation', record);
  }

  /** Forget every record (teardown: the PBX integration was stopped and the versions retired). */
  async forgetAll(secretName: string): Promise<void> {
    for (const { key } of Object.values(RECORDS)) await this.store.annotate(secretName, key, undefined, `the removal of ${key}`);
  }

  private write(secretName: string, kind: RecordKind, record: object | undefined): Promise<void> {
    const { key, what } = RECORDS[kind];
    return this.store.annotate(secretName, key, record === undefined ? undefined : JSON.stringify(record), what);
  }
}
