/**
 * The sandbox: one call that stands up a complete emulated world for a gwkit fleet.
 *
 * - one throwaway CA, shared by the PortSIP PBX emulator and the Google emulator (real, verified TLS);
 * - the PBX emulator holds every tenant of the fleet (even those that have a PBX of their own in the
 *   source fleet), with the users the fleet's logins need and random passwords;
 * - the Google emulator has the "deployed" tenants' projects (enabled APIs + the empty client
 *   credential secret, as `cdktn deploy` leaves them) and an ADC file;
 * - with `microsoft365: true`, the fleet's Microsoft 365 tenants too: a Microsoft identity and
 *   Graph emulator with a directory per tenant, and `deployMs365()` standing for `cdktn deploy`;
 * - a generated gwkit.yaml pointing at them, and the environment to run the CLI with.
 *
 * Used by the CLI integration tests, the end-to-end browser tests and `npm run demo`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve as resolvePath } from 'node:path';
import jsYaml from 'js-yaml';
import { loadFleet, type Ms365TenantConfig, type TenantConfig } from '../lib/config';
import { buildFleetApp } from '../stacks/fleet-app';
import { startMicrosoftEmulator, type MicrosoftEmulator } from './microsoft';
import { applyMs365Stack } from './microsoft/apply';
import { includedFiles } from '../lib/config/load';
import { startGoogleEmulator, type GoogleEmulator } from './google';
import {
  startPbxEmulator,
  CALLBACK_PATH,
  SBC_CALLBACK_PATH,
  type EmulatorTenantInit,
  type EmulatorUserInit,
  type PbxEmulator,
  type PbxEmulatorOptions,
} from './pbx';
import { repoRoot } from './repo-root';
import { createEmulatorCa } from './tls';

export { repoRoot };

export interface SandboxOptions {
  /** Fleet to emulate: path of a gwkit.yaml (default: the repo's example gwkit.yaml). */
  fleetConfig?: string;
  /**
   * Which tenants get their Google project "deployed" (project + enabled APIs + empty secret
   * gwkit-oauth-client, as `cdktn deploy` would leave it). Default: all.
   */
  deployed?: string[] | 'all' | 'none';
  /** PBX tenants behind a PortSIP SBC (they report sbc_redirect_uri). Default: the first tenant. */
  sbcTenants?: string[];
  /** Access token TTL of the PBX emulator. Default 1800. */
  pbxTokenTtlSeconds?: number;
  /** How the PBX emulator reads the spec where it is open (masked secrets, paging, ...). Default: its defaults. */
  pbxBehaviour?: PbxEmulatorOptions['behaviour'];
  /** Fleet tenants whose PBX tenant is disabled (`enabled: false` in GET /tenants). Default: none. */
  pbxDisabled?: string[];
  /**
   * The domain the PBX lists for a fleet tenant, when it is not the one gwkit.yaml gives (another
   * case, the other IDN spelling, a look-alike). Default: gwkit.yaml's.
   */
  pbxDomains?: Record<string, string>;
  /** More PBX tenants that no fleet entry names (a case twin, a look-alike). Default: none. */
  pbxExtraTenants?: EmulatorTenantInit[];
  /** The PBX emulator's clock (rate-limit window, token expiry), e.g. the virtual clock a test gives gwkit too. Default: Date.now. */
  pbxNow?: () => number;
  /** PBX users (by user name) whose password login asks for a second factor. Default: none. */
  pbxTwoFactor?: Record<string, 'error' | 'challenge'>;
  /** Folder for generated files (default: fresh mkdtemp, removed by close()). */
  dir?: string;
  /**
   * Include the fleet's Microsoft 365 tenants (with the Microsoft emulator). Default: false, so
   * that suites about Google Workspace tenants see those only; the demo and `npm run sandbox` set it.
   */
  microsoft365?: boolean;
  /** Users of each emulated Microsoft 365 directory. Default: 12. */
  microsoft365Users?: number;
}

export interface SandboxMs365Tenant {
  pbxTenantId: string;
  domain: string;
  directoryId: string;
}

export interface SandboxTenant {
  /** Google project id (from the fleet's projectId template). */
  projectId: string;
  /** The tenant on the PBX emulator. */
  pbxTenantId: string;
  domain: string;
  name: string;
  /** Redirect URIs the PBX reports for this tenant (redirect_uri, plus sbc_redirect_uri behind an SBC). */
  redirectUris: string[];
  /** Whether its Google project was created ("deployed"). */
  deployed: boolean;
  /** Consent screen app name from the fleet (what the Console's Branding page is given). */
  appName: string;
}

export interface SandboxCliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Parsed stdout when the args include --json (undefined if it is not JSON). */
  json?: any;
  /** The child was killed after the timeout. */
  timedOut?: boolean;
}

export interface Sandbox {
  dir: string;
  /**
   * Generated gwkit.yaml: the source fleet (includes flattened into one file) with every pbx.url
   * pointing at the one PBX emulator, pbx.caFile = the shared CA, google.endpoints = the Google
   * emulator's, google.caFile = the CA. Everything else kept from the source fleet.
   */
  configPath: string;
  /**
   * Env for running the gwkit CLI against this world: GOOGLE_APPLICATION_CREDENTIALS, every
   * passwordEnv the fleet names, CI=true, NODE_EXTRA_CA_CERTS, GWKIT_CONFIG.
   */
  env: Record<string, string>;
  caFile: string;
  pbx: PbxEmulator;
  google: GoogleEmulator;
  /** Per fleet tenant id (Google Workspace tenants). */
  tenants: Record<string, SandboxTenant>;
  /** Per Microsoft 365 tenant id, with `microsoft365: true`. */
  microsoft365Tenants: Record<string, SandboxMs365Tenant>;
  /** The Microsoft identity and Graph emulator, with `microsoft365: true`. */
  microsoft?: MicrosoftEmulator;
  /**
   * What `cdktn deploy --outputs-file outputs.json` leaves, emulated: the Microsoft 365 tenants'
   * stacks synthesized from the generated config (with the facts `gwkit discover` recorded) and
   * applied to the Microsoft emulator, and outputs.json in dir with every deployed tenant's
   * outputs (Google ones as their stacks name them). Returns the outputs file.
   */
  deployMs365(tenantIds?: string[]): string;
  /**
   * The human step, emulated: create the Web client in the "Console" for a tenant (default
   * redirect URIs: all the PBX reports), write the Console's download JSON into dir.
   */
  createWebClient(
    tenantId: string,
    opts?: { redirectUris?: string[]; projectId?: string },
  ): { clientId: string; clientSecret: string; file: string };
  /**
   * Run the built CLI (`node dist/cli/gwkit.js ...args --config configPath`), cwd = dir, with
   * the parent's environment minus GOOGLE_*, CLOUDSDK_*, GCLOUD_*, GCE_*, GWKIT_*, NODE_OPTIONS,
   * FORCE_COLOR, then `env`, then `opts.env`; stdin = `input` (or nothing) then closed, no TTY.
   * Killed after 60 s (or `timeoutMs`): code null, timedOut true.
   */
  runCli(args: string[], opts?: { input?: string; env?: Record<string, string>; timeoutMs?: number }): Promise<SandboxCliResult>;
  close(): Promise<void>;
}

const DEFAULT_PASSWORD_ENV = 'GWKIT_PBX_PASSWORD';
const CLI_TIMEOUT_MS = 60_000;

type Yaml = Record<string, any>;

function readYaml(file: string): Yaml {
  return (jsYaml.load(readFileSync(file, 'utf8'), { schema: jsYaml.CORE_SCHEMA }) as Yaml | null) ?? {};
}

function titleOf(id: string): string {
  return id
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(' ');
}

function password(): string {
  return `sbx-${randomBytes(18).toString('base64url')}`;
}

/**
 * The parent's environment without anything that could steer the child towards real Google or
 * another fleet/PBX (ambient gcloud settings, other GWKIT_* values, a TTY-ish terminal).
 */
function ambientEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || /^(GOOGLE_|GCLOUD_|CLOUDSDK_|GCE_|GWKIT_|NODE_OPTIONS$|FORCE_COLOR$)/.test(k)) continue;
    out[k] = v;
  }
  return out;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const root = repoRoot();
  const fleetConfig = resolvePath(opts.fleetConfig ?? join(root, 'gwkit.yaml'));
  // Validates the source fleet (throws InputError listing problems) and resolves each tenant.
  const fleet = loadFleet(fleetConfig);
  const resolved = new Map(fleet.tenants.map((t) => [t.id, t]));
  const ids = fleet.tenants.map((t) => t.id);

  const unknown = (list: readonly string[] | undefined, what: string) => {
    const bad = (list ?? []).filter((id) => !resolved.has(id));
    if (bad.length) throw new Error(`sandbox: ${what}: no tenant ${bad.map((b) => `"${b}"`).join(', ')} in ${fleetConfig}`);
  };
  const deployedIds = new Set(opts.deployed === 'none' ? [] : opts.deployed === undefined || opts.deployed === 'all' ? ids : opts.deployed);
  if (Array.isArray(opts.deployed)) unknown(opts.deployed, 'deployed');
  unknown(opts.sbcTenants, 'sbcTenants');
  unknown(opts.pbxDisabled, 'pbxDisabled');
  unknown(Object.keys(opts.pbxDomains ?? {}), 'pbxDomains');
  const sbcIds = new Set(opts.sbcTenants ?? ids.slice(0, 1));

  const ownDir = opts.dir === undefined;
  const dir = ownDir ? mkdtempSync(join(tmpdir(), 'gwkit-sandbox-')) : resolvePath(opts.dir!);
  mkdirSync(dir, { recursive: true });

  let google: GoogleEmulator | undefined;
  let pbx: PbxEmulator | undefined;
  let microsoft: MicrosoftEmulator | undefined;
  const children = new Set<ChildProcess>();
  let closed = false;

  const cleanup = async () => {
    for (const child of children) child.kill('SIGKILL');
    children.clear();
    await Promise.allSettled([pbx?.close(), google?.close(), microsoft?.close()]);
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  };

  try {
    const ca = createEmulatorCa('gwkit sandbox CA', dir);

    // --- PBX world: a tenant per fleet tenant, the users its logins need ---------------------------
    const tenants: Record<string, SandboxTenant> = {};
    const pbxTenants: EmulatorTenantInit[] = [];
    for (const t of fleet.tenants) {
      const ref = t.pbxTenant;
      const domain = opts.pbxDomains?.[t.id] ?? ('domain' in ref ? ref.domain : `${t.id}.pbx.test`);
      const name = 'name' in ref ? ref.name : titleOf(t.id);
      const pbxTenantId = ref.id ?? `tenant-${t.id}`;
      pbxTenants.push({
        id: pbxTenantId,
        name,
        domain,
        sbc: sbcIds.has(t.id),
        ...(opts.pbxDisabled?.includes(t.id) ? { enabled: false } : {}),
      });
      tenants[t.id] = {
        projectId: t.projectId,
        pbxTenantId,
        domain,
        name,
        redirectUris: [],
        deployed: deployedIds.has(t.id),
        appName: t.consentScreen.appName,
      };
    }

    const msTenants: Record<string, SandboxMs365Tenant> = {};
    const msFleet: readonly Ms365TenantConfig[] = opts.microsoft365 ? fleet.microsoft365Tenants : [];
    for (const t of msFleet) {
      const ref = t.pbxTenant;
      const domain = 'domain' in ref ? ref.domain : `${t.id}.pbx.test`;
      const pbxTenantId = ref.id ?? `tenant-${t.id}`;
      pbxTenants.push({ id: pbxTenantId, name: 'name' in ref ? ref.name : titleOf(t.id), domain, sbc: false });
      msTenants[t.id] = { pbxTenantId, domain, directoryId: t.microsoft365.directoryId };
    }

    // One password per PBX identity (username + domain) and per env name; logins sharing either share it.
    const envPasswords = new Map<string, string>();
    const identityPasswords = new Map<string, { user: EmulatorUserInit; password: string }>();
    for (const t of [...fleet.tenants, ...msFleet]) {
      if (!t.pbx) continue;
      const domain = t.pbx.role === 'tenant-admin' ? (tenants[t.id] ?? msTenants[t.id])!.domain : undefined;
      const key = `${t.pbx.username}@${domain ?? ''}`;
      const pw = envPasswords.get(t.pbx.passwordEnv) ?? identityPasswords.get(key)?.password ?? password();
      if (!envPasswords.has(t.pbx.passwordEnv)) envPasswords.set(t.pbx.passwordEnv, pw);
      if (!identityPasswords.has(key)) {
        identityPasswords.set(key, { user: { username: t.pbx.username, password: pw, ...(domain ? { domain } : {}) }, password: pw });
      }
    }
    const users = [...identityPasswords.values()].map((v) => {
      const twoFactor = opts.pbxTwoFactor?.[v.user.username];
      return twoFactor ? { ...v.user, twoFactor } : v.user;
    });

    google = await startGoogleEmulator({ ca, dir });
    if (msFleet.length) {
      microsoft = await startMicrosoftEmulator({ ca });
      const count = opts.microsoft365Users ?? 12;
      for (const t of msFleet) {
        const domain = `${t.id}.onmicrosoft.example`;
        microsoft.addDirectory(
          t.microsoft365.directoryId,
          Array.from({ length: count }, (_, i) => ({
            id: `${t.id}-u${i}`,
            displayName: `User ${i}`,
            userPrincipalName: `user${i}@${domain}`,
          })),
        );
      }
    }
    pbx = await startPbxEmulator({
      ...(microsoft ? { microsoft: { loginUrl: microsoft.loginUrl, graphUrl: microsoft.graphUrl, caPem: ca.caPem } } : {}),
      tenants: [...pbxTenants, ...(opts.pbxExtraTenants ?? [])],
      users,
      accessTokenTtlSeconds: opts.pbxTokenTtlSeconds ?? 1800,
      behaviour: opts.pbxBehaviour,
      now: opts.pbxNow,
      google: { authorizationUrl: google.endpoints.authorization, tokenUrl: google.endpoints.oauth2Token, caPem: ca.caPem },
      ca,
    });
    for (const t of fleet.tenants) {
      tenants[t.id]!.redirectUris = [`${pbx.origin}${CALLBACK_PATH}`, ...(sbcIds.has(t.id) ? [`${pbx.origin}${SBC_CALLBACK_PATH}`] : [])];
    }

    // --- Google world: deployed projects, the empty credential slot, impersonation target ------------
    for (const t of fleet.tenants) {
      if (!deployedIds.has(t.id)) continue;
      deployProject(google, t);
    }
    const googleSettings = fleet.google;
    if (googleSettings.impersonateServiceAccount) google.createServiceAccount(googleSettings.impersonateServiceAccount);

    // --- The generated fleet config ----------------------------------------------------------------
    const passwordFiles = new Map<string, string>();
    const passwordFileFor = (env: string): string => {
      let file = passwordFiles.get(env);
      if (!file) {
        file = join(dir, `password-${env}.txt`);
        writeFileSync(file, `${envPasswords.get(env) ?? ''}\n`, { mode: 0o600 });
        passwordFiles.set(env, file);
      }
      return file;
    };
    const configPath = join(dir, 'gwkit.yaml');
    writeFileSync(
      configPath,
      '# Generated by emulators/sandbox.ts from ' +
        fleetConfig +
        ': every PBX is the sandbox PBX emulator, Google is the sandbox Google emulator.\n' +
        jsYaml.dump(
          generateConfig(fleetConfig, resolved, {
            pbxUrl: pbx.origin,
            caFile: ca.caFile,
            google,
            passwordFileFor,
            microsoft365: !!opts.microsoft365,
          }),
          {
            lineWidth: 200,
            noRefs: true,
          },
        ),
    );
    loadFleet(configPath); // fail here, not in the first test, if the generated file were wrong

    const env: Record<string, string> = {
      CI: 'true',
      GOOGLE_APPLICATION_CREDENTIALS: google.adcFile,
      NODE_EXTRA_CA_CERTS: ca.caFile,
      GWKIT_CONFIG: configPath,
    };
    for (const [name, pw] of envPasswords) env[name] = pw;

    const cli = join(root, 'dist', 'cli', 'gwkit.js');
    const googleEmu = google;
    const pbxEmu = pbx;

    return {
      dir,
      configPath,
      env,
      caFile: ca.caFile,
      pbx: pbxEmu,
      google: googleEmu,
      tenants,
      microsoft365Tenants: msTenants,
      ...(microsoft ? { microsoft } : {}),
      deployMs365(ids) {
        const ms = microsoft;
        if (!ms) throw new Error('sandbox: no Microsoft 365 tenants (start it with microsoft365: true and a fleet that has some)');
        const generated = loadFleet(configPath);
        const chosen = generated.microsoft365Tenants.filter((t) => !ids || ids.includes(t.id));
        const outdir = join(dir, 'cdktf.out');
        buildFleetApp({ tenants: [], microsoft365Tenants: chosen, outdir }).synth();
        const file = join(dir, 'outputs.json');
        const outputs: Record<string, Record<string, unknown>> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
        for (const t of generated.tenants.filter((g) => deployedIds.has(g.id)))
          outputs[t.id] ??= { project_id: t.projectId, credential_secret_name: t.credentialSecretName };
        for (const t of chosen) Object.assign(outputs, applyMs365Stack(ms, join(outdir, 'stacks', t.id, 'cdk.tf.json')));
        writeFileSync(file, `${JSON.stringify(outputs, null, 2)}\n`);
        return file;
      },
      createWebClient(tenantId, o = {}) {
        const tenant = tenants[tenantId];
        if (!tenant) throw new Error(`sandbox: no tenant "${tenantId}" (the fleet has ${ids.join(', ')})`);
        const projectId = o.projectId ?? tenant.projectId;
        if (!googleEmu.state.project(projectId)) {
          throw new Error(
            `sandbox: project ${projectId} does not exist (tenant "${tenantId}" is not deployed; start the sandbox with deployed including it)`,
          );
        }
        // The human step sets Branding (consent screen) and creates the Web client.
        googleEmu.setBranding(projectId, { appName: tenant.appName });
        const client = googleEmu.createWebClient({ projectId, redirectUris: o.redirectUris ?? tenant.redirectUris });
        // The Console names its download client_secret_<client id>.json.
        const file = join(dir, `client_secret_${client.clientId}.json`);
        writeFileSync(file, client.downloadJson, { mode: 0o600 });
        return { clientId: client.clientId, clientSecret: client.clientSecret, file };
      },
      runCli(args, o = {}) {
        if (closed) return Promise.reject(new Error('sandbox: closed'));
        if (!existsSync(cli)) {
          return Promise.reject(new Error(`sandbox: ${cli} not found; build the CLI first (npx tsc -p ${root})`));
        }
        return new Promise<SandboxCliResult>((resolve, reject) => {
          const child = spawn(process.execPath, [cli, ...args, '--config', configPath], {
            cwd: dir,
            env: { ...ambientEnv(), ...env, ...o.env },
            stdio: ['pipe', 'pipe', 'pipe'],
            windowsHide: true,
          });
          children.add(child);
          const out: Buffer[] = [];
          const err: Buffer[] = [];
          let timedOut = false;
          child.stdout!.on('data', (c: Buffer) => out.push(c));
          child.stderr!.on('data', (c: Buffer) => err.push(c));
          child.stdin!.on('error', () => undefined); // the CLI may exit without reading stdin (EPIPE)
          child.stdin!.end(o.input ?? '');
          const timer = setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, o.timeoutMs ?? CLI_TIMEOUT_MS);
          child.once('error', (e) => {
            clearTimeout(timer);
            children.delete(child);
            reject(e);
          });
          child.once('close', (code) => {
            clearTimeout(timer);
            children.delete(child);
            const stdout = Buffer.concat(out).toString('utf8');
            let stderr = Buffer.concat(err).toString('utf8');
            if (timedOut) stderr += `\n[sandbox] gwkit ${args.join(' ')}: killed after ${(o.timeoutMs ?? CLI_TIMEOUT_MS) / 1000} s\n`;
            const json = args.includes('--json') ? parseJson(stdout) : undefined;
            resolve({ code: timedOut ? null : code, stdout, stderr, json, ...(timedOut ? { timedOut } : {}) });
          });
        });
      },
      async close() {
        if (closed) return;
        closed = true;
        await cleanup();
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** What `cdktn deploy` of the tenant stack leaves: the project, its APIs, the empty credential slot. */
function deployProject(google: GoogleEmulator, t: TenantConfig): void {
  google.createProject({
    projectId: t.projectId,
    displayName: t.projectName,
    // The stack's WorkspaceApis, plus the two APIs Google enables on every new project the kit calls.
    enabledServices: [...new Set([...t.apis, 'serviceusage.googleapis.com', 'cloudresourcemanager.googleapis.com'])],
  });
  google.createSecret(t.projectId, t.credentialSecretId);
}

/**
 * The source fleet as one file: includes flattened (same order as loadFleet), PBX URLs and CA,
 * Google endpoints and CA replaced; password files replaced by sandbox ones; the rest as written.
 */
function generateConfig(
  fleetConfig: string,
  resolved: ReadonlyMap<string, TenantConfig>,
  world: { pbxUrl: string; caFile: string; google: GoogleEmulator; passwordFileFor: (env: string) => string; microsoft365: boolean },
): Yaml {
  const main = readYaml(fleetConfig);
  const rawTenants: Yaml[] = [...((main.tenants as Yaml[] | undefined) ?? [])];
  for (const entry of (main.include as string[] | undefined) ?? []) {
    for (const file of includedFiles(dirname(fleetConfig), entry))
      rawTenants.push(...((readYaml(file).tenants as Yaml[] | undefined) ?? []));
  }

  const defaults: Yaml = { ...(main.defaults as Yaml | undefined) };
  const pointPbx = (pbx: Yaml | undefined, passwordEnv: string | undefined): Yaml | undefined => {
    if (!pbx) return undefined;
    const out: Yaml = { ...pbx };
    if (out.url !== undefined) out.url = world.pbxUrl;
    // Only where a URL is (or a CA was) set: a lone caFile without any url is a config error.
    if (out.url !== undefined || out.caFile !== undefined) out.caFile = world.caFile;
    if (out.login?.passwordFile !== undefined)
      out.login = { ...out.login, passwordFile: world.passwordFileFor(passwordEnv ?? out.login.passwordEnv ?? DEFAULT_PASSWORD_ENV) };
    return out;
  };
  if (defaults.pbx) defaults.pbx = pointPbx(defaults.pbx as Yaml, (defaults.pbx as Yaml).login?.passwordEnv);

  const isMs365 = (raw: Yaml) => (raw.suite ?? (main.defaults as Yaml | undefined)?.suite) === 'microsoft-365';
  const tenants = rawTenants
    .filter((raw) => world.microsoft365 || !isMs365(raw))
    .map((raw) => {
      const t: Yaml = { ...raw };
      const pbx = resolved.get(String(raw.id))?.pbx;
      if (t.pbx) t.pbx = pointPbx(t.pbx as Yaml, pbx?.passwordEnv);
      // A password file inherited from defaults must hold this tenant's password (its env may differ).
      if (pbx?.passwordFile && !(t.pbx as Yaml | undefined)?.login?.passwordFile) {
        const own = (t.pbx as Yaml | undefined) ?? {};
        t.pbx = { ...own, login: { ...(own.login as Yaml | undefined), passwordFile: world.passwordFileFor(pbx.passwordEnv) } };
      }
      return t;
    });

  const google: Yaml = { ...(main.google as Yaml | undefined) };
  google.endpoints = { ...world.google.endpoints };
  google.caFile = world.caFile;

  const out: Yaml = {};
  if (main.version !== undefined) out.version = main.version;
  if (Object.keys(defaults).length) out.defaults = defaults;
  out.google = google;
  out.tenants = tenants;
  return out;
}
