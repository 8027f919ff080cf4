/**
 * The shape of gwkit.yaml, as zod schemas. Field-level rules live here; rules that need the
 * whole fleet (merging defaults, uniqueness, required-after-merge) live in resolve.ts.
 *
 * Every object is strict: a misspelt key is an error, not a silently ignored setting.
 */
import { z } from 'zod';
import { BILLING_ACCOUNT_PATTERN, PARENT_PATTERN, PROJECT_ID_PATTERN, SECRET_OR_VERSION_NAME_PATTERN } from '../naming/google';
import { sipDomainProblem } from '../naming/sip-domain';
import { Microsoft365Schema, SuiteSchema } from './microsoft365';

/** What a tenant uses the integration for. Decides which Google APIs are enabled. */
export const FEATURES = ['mail', 'userSync', 'sso'] as const;
export type Feature = (typeof FEATURES)[number];

/**
 * Google APIs per feature, after PortSIP's manual procedure: Gmail for mail; Admin SDK and People
 * for user sync and SSO (the seed enables both for either).
 */
export const FEATURE_APIS: Readonly<Record<Feature, readonly string[]>> = {
  mail: ['gmail.googleapis.com'],
  userSync: ['admin.googleapis.com', 'people.googleapis.com'],
  sso: ['admin.googleapis.com', 'people.googleapis.com'],
};

/**
 * What each optional setting is when neither the tenant nor `defaults` sets it. The one source for
 * both: the descriptions below state these values (and so does `gwkit config schema`), and
 * resolve.ts and the stacks apply them.
 */
export const SETTING_DEFAULTS = {
  projectId: 'pbxgw-{id}',
  features: ['mail'],
  environment: 'production',
  lien: false,
  backend: { type: 'local', gcsPrefix: 'gwkit', cloudHostname: 'app.terraform.io', workspacePrefix: 'gwkit-' },
  consentScreen: { appName: 'PortSIP PBX', audience: 'external' },
  pbx: {
    level: 'tenant',
    role: 'system-admin',
    passwordEnv: 'GWKIT_PBX_PASSWORD',
    timeoutSeconds: 15,
    /** 80% of PortSIP's default API limit (5,000 a minute), leaving room for other API clients. */
    requestsPerMinute: 4000,
  },
  mail: { switchToGmail: false, maxProofAgeDays: 30 },
} as const;
const D = SETTING_DEFAULTS;

/** Where passwords may come from, in pbx.login: one of these, or a prompt on a terminal. */
export const PASSWORD_SOURCES = ['passwordEnv', 'passwordFile', 'passwordSecret'] as const;

/** APIs gwkit itself needs in every tenant project (the client credential slot). */
export const KIT_APIS: readonly string[] = ['secretmanager.googleapis.com'];

// Google's documented formats live in lib/naming (the constructs check them too).
export { PROJECT_ID_PATTERN, RESTRICTED_PROJECT_ID_WORDS } from '../naming/google';
const LABEL_KEY_PATTERN = /^[a-z][a-z0-9_-]{0,62}$/;
const LABEL_VALUE_PATTERN = /^[a-z0-9_-]{0,63}$/;
const IAM_MEMBER_PATTERN = /^(user|serviceAccount|group|domain|principal|principalSet):\S+$/;
/** Tenant ids name stacks, state files, workspaces and project ids: keep them DNS-label-like. */
export const TENANT_ID_PATTERN = /^[a-z][a-z0-9-]{0,38}[a-z0-9]$/;

const email = z.email({ error: 'expected an email address, e.g. it-support@example.com' });

export const ProjectIdSchema = z
  .string()
  .describe(
    'Google Cloud project id, or a template with {id} (the tenant id), e.g. "pbxgw-{id}". ' +
      'After expansion: 6-30 characters, lowercase letters, digits and hyphens, starting with a letter, not ending with a hyphen. ' +
      `Default: "${D.projectId}".`,
  );

export const ParentSchema = z
  .string()
  .regex(PARENT_PATTERN, { error: 'expected "folders/NUMBER" or "organizations/NUMBER", e.g. "folders/123456789012"' })
  .describe('Where the project is created: "folders/NUMBER" or "organizations/NUMBER".');

export const BillingAccountSchema = z
  .string()
  .regex(BILLING_ACCOUNT_PATTERN, { error: 'expected a billing account id like "01ABCD-23EF45-67ABCD" (uppercase hex)' })
  .describe('Billing account id, e.g. 01ABCD-23EF45-67ABCD.');

export const LabelsSchema = z
  .record(
    z.string().regex(LABEL_KEY_PATTERN, {
      error: 'label keys start with a lowercase letter; lowercase letters, digits, "_" and "-" only; at most 63 characters',
    }),
    z.string().regex(LABEL_VALUE_PATTERN, {
      error: 'label values use lowercase letters, digits, "_" and "-" only; at most 63 characters',
    }),
  )
  .describe('Labels put on the project. Merged over the defaults; gwkit adds managed-by and gwkit-tenant.');

export const FeaturesSchema = z
  .array(z.enum(FEATURES, { error: `expected one of ${FEATURES.join(', ')}` }))
  .min(1, { error: 'name at least one feature (mail, userSync, sso)' })
  .describe(`Integration features: mail (Gmail API), userSync and sso (Admin SDK + People APIs). Default: [${D.features.join(', ')}].`);

export const BackendSchema = z
  .discriminatedUnion(
    'type',
    [
      z.strictObject({
        type: z.literal('local'),
        path: z
          .string()
          .min(1)
          .optional()
          .describe(
            'State file path, relative to the stack working directory (cdktf.out/stacks/ID). ' +
              'Default: ../../../terraform.ID.tfstate (the project directory).',
          ),
      }),
      z.strictObject({
        type: z.literal('gcs'),
        bucket: z
          .string({ error: 'required for a gcs backend: the bucket that holds Terraform state' })
          .regex(/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/, { error: 'expected a GCS bucket name' }),
        prefix: z.string().min(1).optional().describe(`State prefix; the tenant id is appended. Default: "${D.backend.gcsPrefix}".`),
      }),
      z.strictObject({
        type: z.literal('cloud'),
        organization: z
          .string({ error: 'required for a cloud backend: the HCP Terraform organization' })
          .min(1)
          .describe('HCP Terraform / Terraform Enterprise organization.'),
        hostname: z.string().min(1).optional().describe(`Default: ${D.backend.cloudHostname}.`),
        workspacePrefix: z
          .string()
          .optional()
          .describe(`One workspace per tenant: PREFIX + tenant id. Default: "${D.backend.workspacePrefix}".`),
        project: z
          .string()
          .min(1)
          .optional()
          .describe("HCP Terraform project id (prj-...) the workspaces belong to. Default: the organization's default project."),
        dynamicCredentials: z
          .strictObject({
            workloadProvider: z
              .string()
              .regex(/^projects\/[0-9]+\/locations\/global\/workloadIdentityPools\/[^/]+\/providers\/[^/]+$/, {
                error: 'expected projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER',
              })
              .describe('Workload identity provider that trusts HCP Terraform runs.'),
            serviceAccount: z.email({ error: 'expected a service account email' }).describe('Service account the runs act as.'),
          })
          .optional()
          .describe(
            'Google credentials for remote runs without key files (HCP Terraform dynamic provider credentials). Default: none (set credentials on the workspaces yourself).',
          ),
        azureDynamicCredentials: z
          .strictObject({
            runClientId: z
              .string()
              .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, {
                error: 'expected an application (client) ID: a GUID in lower case',
              })
              .describe(
                'Application (client) ID of the Entra app with a federated credential for HCP Terraform runs (TFC_AZURE_RUN_CLIENT_ID).',
              ),
          })
          .optional()
          .describe(
            'Microsoft 365 tenants: Azure credentials for remote runs without secrets (HCP Terraform dynamic provider credentials for the azuread provider). Default: none.',
          ),
      }),
    ],
    { error: 'expected backend.type to be one of local, gcs, cloud' },
  )
  .describe(`Where Terraform keeps this tenant's state. Every tenant has its own state. Default: { type: ${D.backend.type} }.`);

export const ProviderSchema = z
  .strictObject({
    impersonateServiceAccount: z
      .email({ error: 'expected a service account email' })
      .optional()
      .describe('Service account Terraform impersonates (recommended for CI). Default: none (caller credentials).'),
    billingProject: z
      .string()
      .regex(PROJECT_ID_PATTERN, { error: 'expected a project id' })
      .optional()
      .describe('Project billed for API quota (sets user_project_override). Default: none.'),
  })
  .describe('Google provider settings.');

export const SecretAccessSchema = z
  .strictObject({
    importers: z
      .array(z.string().regex(IAM_MEMBER_PATTERN, { error: 'expected an IAM member, e.g. "group:pbx-ops@example.com"' }))
      .optional()
      .describe('Principals that may add client credential versions (gwkit client import). Default: none.'),
    readers: z
      .array(z.string().regex(IAM_MEMBER_PATTERN, { error: 'expected an IAM member, e.g. "serviceAccount:ci@p.iam.gserviceaccount.com"' }))
      .optional()
      .describe('Principals that may read the client credentials (gwkit post-deploy, status). Default: none.'),
  })
  .describe("IAM on the tenant's client credential secret.");

export const ConsentScreenSchema = z
  .strictObject({
    appName: z.string().min(1).max(120).optional().describe(`App name on the consent screen. Default: "${D.consentScreen.appName}".`),
    supportEmail: email.optional().describe('User support email shown on the consent screen. Required (here or in defaults).'),
    developerEmail: email.optional().describe('Developer contact email. Default: the support email.'),
    audience: z
      .enum(['internal', 'external'], { error: 'expected "internal" or "external"' })
      .optional()
      .describe(
        "internal when the project lives in the customer's own Cloud organization (no unverified-app screen, no 100-user cap, no 7-day token expiry in Testing); external for a project in the MSP's organization. https://mail.google.com/ is a restricted scope. " +
          `Default: ${D.consentScreen.audience}.`,
      ),
  })
  .describe('What the administrator enters on the OAuth consent screen (Google offers no API for it).');

const ENV_NAME_PATTERN = /^[A-Z_][A-Z0-9_]*$/;

export const PbxLoginSchema = z
  .strictObject({
    role: z
      .enum(['system-admin', 'tenant-admin'], { error: 'expected "system-admin" or "tenant-admin"' })
      .optional()
      .describe(
        `system-admin logs in once and switches into each tenant; tenant-admin logs in to the tenant's SIP domain. Default: ${D.pbx.role}.`,
      ),
    username: z.string().min(1).max(64).optional().describe('PBX user name. Required (here or in defaults).'),
    passwordEnv: z
      .string()
      .regex(ENV_NAME_PATTERN, { error: 'expected an environment variable name, e.g. GWKIT_PBX_PASSWORD' })
      .optional()
      .describe(`Environment variable holding the password. Default: ${D.pbx.passwordEnv}. Passwords never go in this file.`),
    passwordFile: z
      .string()
      .min(1)
      .optional()
      .describe('File holding the password (first line), relative to this config file. Default: none.'),
    passwordSecret: z
      .string()
      .regex(SECRET_OR_VERSION_NAME_PATTERN, {
        error: 'expected a Secret Manager name, e.g. projects/msp-admin/secrets/pbx-admin-password',
      })
      .optional()
      .describe("Secret Manager secret (or version) holding the password, read with the CLI's Google credentials. Default: none."),
  })
  .describe('How gwkit logs in to the PBX. The password comes from the environment, a file or a hidden prompt, never from gwkit.yaml.');

export const PbxSchema = z
  .strictObject({
    url: z
      .url({ protocol: /^https$/, error: 'expected an https URL, e.g. https://pbx.example.com:8887 (TLS is always verified)' })
      .refine((v) => !/^[a-z][a-z0-9+.-]*:\/\/[^/@]*@/i.test(v), {
        error:
          'must not contain a user name or password (user:password@): the user goes in pbx.login.username, the password in passwordEnv, passwordFile or passwordSecret',
      })
      .optional()
      .describe('PBX web address, e.g. https://pbx.example.com:8887; the REST API is under /api. Required for PBX commands.'),
    level: z
      .enum(['tenant', 'system'], { error: 'expected "tenant" or "system"' })
      .optional()
      .describe(
        `tenant: Integrations > Google Workspace of the tenant (mail, user sync, SSO); system: the PBX-wide integration (mail only). Default: ${D.pbx.level}.`,
      ),
    login: PbxLoginSchema.optional(),
    caFile: z
      .string()
      .min(1)
      .optional()
      .describe('Extra CA (PEM) to trust for a PBX with a private certificate, relative to this config file. Default: system CAs only.'),
    timeoutSeconds: z
      .number({ error: 'expected a number of seconds' })
      .positive({ error: 'expected a number of seconds above 0' })
      .max(300, { error: 'expected at most 300 seconds' })
      .optional()
      .describe(`Per-request timeout. Default: ${D.pbx.timeoutSeconds}.`),
    requestsPerMinute: z
      .number()
      .int({ error: 'expected a whole number of requests per minute' })
      .min(60)
      .max(100_000)
      .optional()
      .describe(
        'API requests gwkit may send to this PBX per minute at most, shared by all its workers. PortSIP limits the API to 5,000 a minute by default (10,000 from v22.1.7; [apigateway] access_limit in system.ini). ' +
          'When the PBX allows less (it answers 429), gwkit lowers its pace to what the PBX accepted and probes back up slowly; it never goes above this value. ' +
          `Default: ${D.pbx.requestsPerMinute}, leaving room for the web portal and other API clients.`,
      ),
  })
  .describe('The PortSIP PBX that hosts this tenant.');

export const MailSchema = z
  .strictObject({
    switchToGmail: z
      .boolean({ error: 'expected true or false' })
      .optional()
      .describe(
        `Let \`gwkit verify\` set the tenant's mail server type to GMAIL. Default: ${D.mail.switchToGmail} (an existing SMTP setup is never replaced silently).`,
      ),
    sender: email
      .optional()
      .describe(
        'Google Workspace mailbox the PBX sends as when gwkit switches it to GMAIL (the account that consents). Default: the consent screen support email.',
      ),
    testRecipient: email.optional().describe('Where `gwkit verify` sends the test mail. Default: the consent screen support email.'),
    maxProofAgeDays: z
      .number()
      .int({ error: 'expected a whole number of days' })
      .min(1)
      .max(180)
      .optional()
      .describe(
        `status warns when the last proof by test mail is older than this (Google deletes OAuth clients unused for six months). Default: ${D.mail.maxProofAgeDays}.`,
      ),
  })
  .describe('Mail through Gmail, and how gwkit proves it works.');

export const GoogleSettingsSchema = z
  .strictObject({
    impersonateServiceAccount: z
      .email({ error: 'expected a service account email' })
      .optional()
      .describe(
        'Service account the CLI impersonates for Secret Manager and checks. Default: Application Default Credentials as they are.',
      ),
    quotaProject: z
      .string()
      .regex(PROJECT_ID_PATTERN, { error: 'expected a project id' })
      .optional()
      .describe("Project billed for API quota of the CLI's calls. Default: none."),
    caFile: z.string().min(1).optional().describe('Extra CA (PEM) for Google endpoints behind a TLS proxy or an emulator. Default: none.'),
    endpoints: z
      .strictObject({
        oauth2Token: z.url({ protocol: /^https$/ }).optional(),
        authorization: z.url({ protocol: /^https$/ }).optional(),
        secretManager: z.url({ protocol: /^https$/ }).optional(),
        serviceUsage: z.url({ protocol: /^https$/ }).optional(),
        resourceManager: z.url({ protocol: /^https$/ }).optional(),
        iamCredentials: z.url({ protocol: /^https$/ }).optional(),
      })
      .optional()
      .describe("Other roots for Google endpoints: for emulators and private proxies only. Default: Google's own."),
  })
  .describe('How the gwkit CLI reaches Google (Terraform uses `provider` instead).');

/** Settings a tenant may take from `defaults`. */
const tenantSettings = {
  // Microsoft 365 tenants (lib/config/microsoft365.ts); every other setting below is Google's, except pbx and backend.
  suite: SuiteSchema.optional(),
  microsoft365: Microsoft365Schema.optional(),
  projectId: ProjectIdSchema.optional(),
  projectName: z.string().min(4).max(30).optional().describe('Display name of the project. Default: "PBX Google <tenant id>" (cut to 30).'),
  parent: ParentSchema.optional(),
  billingAccount: BillingAccountSchema.optional(),
  labels: LabelsSchema.optional(),
  features: FeaturesSchema.optional(),
  consentScreen: ConsentScreenSchema.optional(),
  environment: z
    .enum(['production', 'non-production'], { error: 'expected "production" or "non-production"' })
    .optional()
    .describe(`production tenants get deletion_policy PREVENT; non-production DELETE. Default: ${D.environment}.`),
  deletionPolicy: z
    .enum(['PREVENT', 'ABANDON', 'DELETE'], { error: 'expected PREVENT, ABANDON or DELETE' })
    .optional()
    .describe('Overrides the deletion policy derived from environment.'),
  lien: z.boolean({ error: 'expected true or false' }).optional().describe(`Place a lien against project deletion. Default: ${D.lien}.`),
  backend: BackendSchema.optional(),
  provider: ProviderSchema.optional(),
  secretAccess: SecretAccessSchema.optional(),
  pbx: PbxSchema.optional(),
  mail: MailSchema.optional(),
};

export const DefaultsSchema = z.strictObject(tenantSettings).describe('Settings every tenant inherits unless it sets its own.');

/** The PBX's id of a tenant (`GET /tenants` items[].id): opaque, e.g. "NzAwNTUxOTA5NzczMTQ4MTYw". */
const PbxTenantIdSchema = z
  .string({ error: 'expected the PBX tenant id as a string' })
  .regex(/^\S{1,128}$/, { error: 'expected the PBX tenant id as GET /tenants lists it (no spaces), e.g. "NzAwNTUxOTA5NzczMTQ4MTYw"' })
  .optional()
  .describe(
    "The PBX's id of the tenant (GET /tenants; gwkit names it when two PBX tenants have the same domain apart from case, or in a Unicode and an xn-- spelling). " +
      'Pins that tenant; gwkit checks it still has the domain (or name) given beside it. Default: none (the domain or name alone must name one tenant).',
  );

export const PbxTenantRefSchema = z
  .union(
    [
      z.strictObject({
        domain: z
          .string()
          .min(1)
          .max(280)
          .superRefine((domain, ctx) => {
            const problem = sipDomainProblem(domain);
            if (problem) ctx.addIssue({ code: 'custom', message: problem });
          })
          .describe(
            "The tenant's SIP domain on the PBX. Compared case-insensitively, a Unicode domain (bücher.example) as its xn-- form (UTS #46).",
          ),
        id: PbxTenantIdSchema,
      }),
      z.strictObject({ name: z.string().min(1).max(1024).describe("The tenant's name on the PBX (exact)."), id: PbxTenantIdSchema }),
    ],
    { error: 'expected pbxTenant to be { domain: SIP-DOMAIN } or { name: TENANT-NAME }, each with an optional id: PBX-TENANT-ID' },
  )
  .describe('Which PBX tenant this entry maps to.');

export const TenantSchema = z
  .strictObject({
    id: z
      .string({ error: 'expected a tenant id (string)' })
      .regex(TENANT_ID_PATTERN, {
        error: 'tenant ids are 2-40 characters: lowercase letters, digits and hyphens, starting with a letter, not ending with a hyphen',
      })
      .describe('Stable tenant id: names the stack, its state and (by default) its project. Changing it replaces infrastructure.'),
    pbxTenant: PbxTenantRefSchema,
    ...tenantSettings,
  })
  .describe('One PBX tenant and its Google Cloud project (suite google-workspace) or its Entra application (suite microsoft-365).');

export const FleetFileSchema = z
  .strictObject({
    version: z.literal(1, { error: 'expected version: 1' }).optional().describe('Config format version. Default: 1.'),
    include: z
      .array(z.string().min(1))
      .optional()
      .describe('More tenant files, or folders of *.yaml files, relative to this file. Each holds a `tenants:` list.'),
    defaults: DefaultsSchema.optional(),
    google: GoogleSettingsSchema.optional(),
    tenants: z.array(TenantSchema).optional(),
  })
  .describe('gwkit fleet configuration (gwkit.yaml).');

/** A file named by `include`: tenants only; defaults stay in the main file so there is one place to look. */
export const TenantFileSchema = z.strictObject({ tenants: z.array(TenantSchema) });

export type FleetFile = z.infer<typeof FleetFileSchema>;
export type TenantInput = z.infer<typeof TenantSchema>;
export type DefaultsInput = z.infer<typeof DefaultsSchema>;
export type Backend = z.infer<typeof BackendSchema>;
export type PbxTenantRef = z.infer<typeof PbxTenantRefSchema>;
export type GoogleSettingsInput = z.infer<typeof GoogleSettingsSchema>;

/** JSON Schema (2020-12) of gwkit.yaml, for editors and CI. */
export function fleetJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(FleetFileSchema, { io: 'input', target: 'draft-2020-12' }),
    title: 'gwkit fleet configuration',
  };
}
