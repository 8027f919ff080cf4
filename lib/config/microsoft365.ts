/**
 * Microsoft 365 tenants in gwkit.yaml: the `microsoft365:` block (zod schema) and its resolution.
 * A tenant says which suite it integrates with `suite:` (google-workspace by default, so existing
 * fleets are unchanged); one file can mix both. Why each Graph permission: docs/microsoft-365.md.
 */
import { z } from 'zod';
import { pbxFactsFileOf, readPbxFacts, type PbxFacts } from '../ms365/pbx-facts';

export const SUITES = ['google-workspace', 'microsoft-365'] as const;
export type Suite = (typeof SUITES)[number];

export const SuiteSchema = z
  .enum(SUITES, { error: 'expected "google-workspace" or "microsoft-365"' })
  .describe('Which suite the PBX tenant integrates with. Default: google-workspace.');

/** What a Microsoft 365 tenant uses the integration for (PortSIP: Advanced > Microsoft 365 Integration). */
export const MICROSOFT365_FEATURES = ['userSync', 'signIn', 'contacts', 'calendar', 'mail'] as const;
export type Microsoft365Feature = (typeof MICROSOFT365_FEATURES)[number];

/**
 * Microsoft Graph application permissions per feature. Reading users is always needed (see
 * `usersPermission`); user sync and sign-in need nothing more.
 */
export const FEATURE_GRAPH_PERMISSIONS: Readonly<Record<Microsoft365Feature, readonly string[]>> = {
  userSync: [],
  signIn: [],
  contacts: ['Contacts.Read'],
  calendar: ['Calendars.Read'],
  mail: ['Mail.Send'],
};

export const USERS_PERMISSIONS = ['User.Read.All', 'User.ReadBasic.All'] as const;
/** Microsoft's "List users" reference names User.Read.All as the least application permission for GET /users. */
export const DEFAULT_USERS_PERMISSION = 'User.Read.All';

// No /i flag: JSON Schema patterns have none, and the schema must say what zod says.
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const UPN = z.string().regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, { error: 'expected a user principal name, e.g. alice@contoso.com' });
const SYNC_TYPE = z.enum(['all', 'include', 'exclude'], { error: 'expected all, include or exclude' });

export const Microsoft365Schema = z
  .strictObject({
    directoryId: z
      .string({ error: 'expected the Directory (tenant) ID, a GUID' })
      .regex(GUID, { error: 'expected the Directory (tenant) ID, a GUID like 72f988bf-86f1-41af-91ab-2d7cd011db47' })
      .optional()
      .describe("The customer's Microsoft Entra directory (tenant) ID. Required for a microsoft-365 tenant."),
    nationalCloud: z
      .enum(['global', 'china'], { error: 'expected "global" or "china"' })
      .optional()
      .describe(
        'Microsoft cloud of the directory: global, or china (operated by 21Vianet; set ARM_ENVIRONMENT=china for Terraform). Default: global.',
      ),
    features: z
      .array(z.enum(MICROSOFT365_FEATURES, { error: `expected one of ${MICROSOFT365_FEATURES.join(', ')}` }))
      .min(1, { error: 'name at least one feature' })
      .optional()
      .describe(
        'userSync (users to extensions), signIn (Microsoft sign-in to the PBX), contacts (personal and shared-mailbox contacts), calendar (events), mail (mail through Microsoft 365). Default: [userSync, signIn].',
      ),
    usersPermission: z
      .enum(USERS_PERMISSIONS, { error: 'expected "User.Read.All" or "User.ReadBasic.All"' })
      .optional()
      .describe(
        "Graph permission for reading users. PortSIP's guide since v22.5 asks for User.ReadBasic.All; Microsoft documents User.Read.All as the least application permission for listing users. Default: User.Read.All.",
      ),
    extraGraphPermissions: z
      .array(
        z
          .string()
          .regex(/^[A-Za-z]+(-[A-Za-z]+)?(\.[A-Za-z]+)+$/, { error: 'expected a Graph permission name, e.g. GroupMember.Read.All' }),
      )
      .optional()
      .describe('More Microsoft Graph application permissions to grant (e.g. GroupMember.Read.All, MailboxSettings.Read). Default: none.'),
    appName: z.string().min(1).max(120).optional().describe('Display name of the Entra application. Default: "PortSIP PBX <tenant id>".'),
    userSync: z
      .strictObject({
        syncTime: z
          .string()
          .regex(/^(\S+\s+){4}\S+$/, { error: 'expected a crontab expression of 5 fields, e.g. "0 0 * * *"' })
          .optional()
          .describe("When the PBX syncs users (crontab). Default: the PBX's (midnight)."),
        startingExtension: z
          .string()
          .regex(/^[1-9][0-9]{2,12}$/, { error: 'expected 3-13 digits, no leading zero' })
          .optional()
          .describe('First extension number for synced users. Default: the first free one.'),
        syncGuestUsers: z.boolean({ error: 'expected true or false' }).optional().describe('Default: false.'),
        syncPhoto: z.boolean({ error: 'expected true or false' }).optional().describe('Default: false.'),
        syncType: SYNC_TYPE.optional().describe('all users, or include / exclude the selected users. Default: all.'),
        selectedUsers: z.array(UPN).optional().describe('User principal names for include / exclude. Default: none.'),
      })
      .optional(),
    signIn: z
      .strictObject({
        standardUsers: z.boolean({ error: 'expected true or false' }).optional().describe('Users sign in with Microsoft. Default: true.'),
        administrators: z.array(UPN).optional().describe('Users who sign in as PBX administrators. Default: none.'),
      })
      .optional(),
    certificateWarningDays: z
      .number()
      .int({ error: 'expected a whole number of days' })
      .min(1)
      .max(180)
      .optional()
      .describe("status warns this many days before the PBX's certificate expires (PortSIP's are valid one year). Default: 30."),
  })
  .describe('Microsoft 365 settings of a microsoft-365 tenant (ignored for google-workspace tenants when set in defaults).');

export type Microsoft365Input = z.infer<typeof Microsoft365Schema>;

/** A Microsoft 365 tenant's settings, decided. */
export interface Microsoft365Settings {
  readonly directoryId: string;
  readonly nationalCloud: 'global' | 'china';
  readonly features: readonly Microsoft365Feature[];
  /** Every Graph application permission to grant, sorted. */
  readonly graphPermissions: readonly string[];
  readonly appName: string;
  readonly userSync: {
    readonly enabled: boolean;
    readonly syncTime?: string;
    readonly startingExtension?: string;
    readonly syncGuestUsers: boolean;
    readonly syncPhoto: boolean;
    readonly syncType: 'all' | 'include' | 'exclude';
    readonly selectedUsers: readonly string[];
  };
  readonly signIn: { readonly standardUsers: boolean; readonly administrators: readonly string[] };
  readonly certificateWarningDays: number;
  /** Where `gwkit discover` records what the PBX reports (absolute). */
  readonly factsFile: string;
  /** The recorded PBX facts; undefined until `gwkit discover` ran for this tenant. */
  readonly facts?: PbxFacts;
}

/** Settings of the Google suite that mean nothing for a Microsoft 365 tenant, when written on it. */
export const GOOGLE_ONLY_SETTINGS = [
  'projectId',
  'projectName',
  'parent',
  'billingAccount',
  'features',
  'consentScreen',
  'lien',
  'deletionPolicy',
  'provider',
  'secretAccess',
  'mail',
] as const;

/**
 * Resolve the `microsoft365` block (tenant over defaults). Problems are pushed in the loader's
 * words; `where` names the tenant entry.
 */
export function resolveMicrosoft365(
  tenantId: string,
  tenant: Microsoft365Input | undefined,
  defaults: Microsoft365Input | undefined,
  configDir: string,
  where: () => string,
  problems: string[],
): Microsoft365Settings | undefined {
  const m = { ...defaults, ...tenant };
  if (!m.directoryId) {
    problems.push(
      `${where()}.microsoft365.directoryId: required for a microsoft-365 tenant: the customer's Directory (tenant) ID (e.g. "72f988bf-86f1-41af-91ab-2d7cd011db47")`,
    );
    return undefined;
  }
  const features = [...new Set(m.features ?? (['userSync', 'signIn'] as const))];
  const sync = { ...defaults?.userSync, ...tenant?.userSync };
  if (sync.syncType && sync.syncType !== 'all' && !sync.selectedUsers?.length) {
    problems.push(
      `${where()}.microsoft365.userSync.selectedUsers: syncType "${sync.syncType}" needs the users it selects (user principal names)`,
    );
  }
  const signIn = { ...defaults?.signIn, ...tenant?.signIn };
  const factsFile = pbxFactsFileOf(configDir, tenantId);
  let facts: PbxFacts | undefined;
  try {
    facts = readPbxFacts(factsFile);
  } catch (error) {
    problems.push(
      ...((error as { problems?: string[] }).problems?.length ? (error as { problems: string[] }).problems : [(error as Error).message]),
    );
  }
  if (facts && facts.tenant !== tenantId)
    problems.push(`${factsFile}: records tenant "${facts.tenant}", not "${tenantId}"; run discover for this tenant again`);
  const usersPermission = m.usersPermission ?? DEFAULT_USERS_PERMISSION;
  return {
    directoryId: m.directoryId.toLowerCase(),
    nationalCloud: m.nationalCloud ?? 'global',
    features,
    graphPermissions: [
      ...new Set([usersPermission, ...features.flatMap((f) => FEATURE_GRAPH_PERMISSIONS[f]), ...(m.extraGraphPermissions ?? [])]),
    ].sort(),
    appName: m.appName ?? `PortSIP PBX ${tenantId}`,
    userSync: {
      enabled: features.includes('userSync'),
      syncTime: sync.syncTime,
      startingExtension: sync.startingExtension,
      syncGuestUsers: sync.syncGuestUsers ?? false,
      syncPhoto: sync.syncPhoto ?? false,
      syncType: sync.syncType ?? 'all',
      selectedUsers: sync.selectedUsers ?? [],
    },
    signIn: {
      standardUsers: features.includes('signIn') && (signIn.standardUsers ?? true),
      administrators: features.includes('signIn') ? (signIn.administrators ?? []) : [],
    },
    certificateWarningDays: m.certificateWarningDays ?? 30,
    factsFile,
    facts,
  };
}
