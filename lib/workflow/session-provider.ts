/**
 * What every PBX/Google command needs, built once per run: the selected tenants, PBX sessions
 * with passwords from their sources, and Google clients on Application Default Credentials.
 *
 * Preflight (`assertPbxReady`) runs before anything is changed, so a missing password or PBX
 * setting fails the whole run with exit 2 and nothing touched.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Clock } from '../clock';
import type { FleetProgress } from './fleet-progress';
import type { Fleet, Ms365TenantConfig, PbxSettings, TenantConfig } from '../config';
import { InputError } from '../errors';
import { caFileProblem, checkCaFile } from '../https/ca-file';
import {
  accessSecretText,
  checkCredentialsFile,
  ClientCredentialStore,
  noCredentialsError,
  createGoogleAuth,
  resolveEndpoints,
  type GoogleApiAuth,
  type GoogleEndpoints,
} from '../google';
import { PbxSessionPool, type PortSipClient } from '../pbx';
import { CredentialRecords } from '../records';

/** Asks a person for a secret without echoing it. Absent when there is no TTY or CI is set. */
export type SecretPrompt = (question: string) => Promise<string>;

/** What PBX sessions need of a tenant, whatever its suite. */
export type PbxTenant = Pick<TenantConfig, 'id' | 'pbx' | 'pbxTenant' | 'location'>;

export interface SessionProviderOptions {
  readonly fleet: Fleet;
  readonly tenants: readonly TenantConfig[];
  /** Selected Microsoft 365 tenants (lib/ms365). @default none */
  readonly microsoft365Tenants?: readonly Ms365TenantConfig[];
  /** --ca-file: extra CA for the PBX, overriding pbx.caFile. */
  readonly pbxCaFile?: string;
  /** Progress lines (stderr). */
  readonly log?: (line: string) => void;
  readonly prompt?: SecretPrompt;
  /** Process environment, injectable for tests. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Time for PBX sessions (token expiry, pacing, backoff) and Google's retries, injectable for tests. @default the system clock */
  readonly clock?: Clock;
  /** Told as each tenant of a fleet command starts and ends. @default none */
  readonly progress?: FleetProgress;
  /** Aborted when the run is interrupted: fleet commands start no further tenant. @default none */
  readonly signal?: AbortSignal;
}

export interface GoogleServices {
  readonly auth: GoogleApiAuth;
  readonly endpoints: GoogleEndpoints;
  readonly caFile?: string;
  readonly store: ClientCredentialStore;
  /** gwkit's records on the credential secrets (lib/records), kept through `store`. */
  readonly records: CredentialRecords;
}

export class SessionProvider {
  readonly fleet: Fleet;
  readonly tenants: readonly TenantConfig[];
  readonly microsoft365Tenants: readonly Ms365TenantConfig[];
  readonly log: (line: string) => void;
  readonly progress?: FleetProgress;
  readonly signal?: AbortSignal;
  private readonly env: NodeJS.ProcessEnv;
  private readonly passwords = new Map<string, Promise<string>>();
  private readonly budgets = new Map<string, number>();
  private credentialsChecked = false;
  /** Each CA file's check, once per run however many tenants name it: undefined when fine. */
  private readonly caFileChecks = new Map<string, string | undefined>();
  /** PBX sessions reused across tenants; one budget of requests per PBX (lib/pbx/session-pool). */
  private readonly pbxSessions: PbxSessionPool;
  private googleServices?: Promise<GoogleServices>;

  constructor(private readonly options: SessionProviderOptions) {
    this.fleet = options.fleet;
    this.tenants = options.tenants;
    this.microsoft365Tenants = options.microsoft365Tenants ?? [];
    this.log = options.log ?? (() => undefined);
    this.env = options.env ?? process.env;
    this.pbxSessions = new PbxSessionPool({
      clock: options.clock,
      // Said once per lowering, so that a user sees why a run is slower than pbx.requestsPerMinute.
      onPaceChange: (pbx, change) => {
        if (change.reason === 'refused') {
          const seen = change.accepted === undefined ? '' : ` after ${change.accepted} requests in the last minute`;
          this.log(`PBX ${pbx} answered 429 (too many requests)${seen}: pacing at ${change.to} requests a minute (was ${change.from})`);
        } else if (change.reason === 'advertised') {
          this.log(`PBX ${pbx} says it allows ${change.to} requests a minute: pacing at that`);
        }
      },
    });
    this.progress = options.progress;
    this.signal = options.signal;
  }

  /** The tenant's PBX settings; an input error if gwkit.yaml has none. */
  pbxOf(tenant: PbxTenant): PbxSettings {
    if (!tenant.pbx) {
      throw new InputError(
        `tenant "${tenant.id}": no PBX configured; set pbx.url and pbx.login.username for it or in defaults (${tenant.location()})`,
      );
    }
    return tenant.pbx;
  }

  /**
   * Check, before any change, that every selected tenant has PBX settings and a password
   * source. Prompts (once per password source) when a TTY allows it.
   */
  async assertPbxReady(): Promise<void> {
    this.assertCaFiles();
    const problems: string[] = [];
    for (const tenant of [...this.tenants, ...this.microsoft365Tenants]) {
      const problem = await this.pbxProblem(tenant);
      if (problem) problems.push(problem);
    }
    if (problems.length)
      throw new InputError('cannot reach the PBX for every selected tenant; nothing was changed', [...new Set(problems)]);
  }

  /**
   * Check every extra CA file the run may use (--ca-file, else the selected tenants' pbx.caFile,
   * and google.caFile) before any tenant: a file that holds no PEM certificate is bad input for
   * the whole run (exit 2), never a TLS failure tenant after tenant.
   */
  assertCaFiles(): void {
    const problems = new Set<string>();
    const add = (problem: string | undefined) => problem && problems.add(problem);
    if (this.options.pbxCaFile) add(this.caFileProblem(this.options.pbxCaFile, () => '--ca-file'));
    else for (const tenant of [...this.tenants, ...this.microsoft365Tenants]) add(this.pbxCaFileProblem(tenant));
    if (this.fleet.google.caFile) add(this.caFileProblem(this.fleet.google.caFile, () => 'google.caFile'));
    if (problems.size) throw new InputError('a CA file cannot be used; nothing was changed', [...problems]);
  }

  /** What is wrong with the CA file the tenant's PBX connection would use, if anything. */
  private pbxCaFileProblem(tenant: PbxTenant): string | undefined {
    if (this.options.pbxCaFile) return this.caFileProblem(this.options.pbxCaFile, () => '--ca-file');
    const pbx = tenant.pbx;
    if (!pbx?.caFile) return undefined;
    return this.caFileProblem(pbx.caFile, () => `pbx.caFile (${pbx.caFileLocation?.() ?? tenant.location()})`);
  }

  private caFileProblem(file: string, option: () => string): string | undefined {
    if (!this.caFileChecks.has(file)) {
      const checked = checkCaFile(file);
      this.caFileChecks.set(file, 'problem' in checked ? checked.problem : undefined);
    }
    const problem = this.caFileChecks.get(file);
    return problem === undefined ? undefined : caFileProblem(option(), file, problem);
  }

  /** One lookup (and at most one prompt) per password source, however many tenants ask at once. */
  private passwordFor(pbx: PbxSettings): Promise<string> {
    const key = pbx.passwordSecret ?? pbx.passwordFile ?? `env:${pbx.passwordEnv}`;
    let pending = this.passwords.get(key);
    if (!pending) {
      pending = this.lookUpPassword(pbx);
      this.passwords.set(key, pending);
      pending.catch(() => this.passwords.delete(key)); // a failed lookup may be retried by the next command
    }
    return pending;
  }

  private async lookUpPassword(pbx: PbxSettings): Promise<string> {
    // Sources in order: Secret Manager, a file, the environment, a hidden prompt.
    let password: string | undefined;
    if (pbx.passwordSecret) {
      const google = await this.google();
      password = await accessSecretText(google.auth, pbx.passwordSecret, { endpoints: google.endpoints });
      if (!password) throw new InputError(`pbx.login.passwordSecret: ${pbx.passwordSecret} is empty`);
    } else if (pbx.passwordFile) {
      try {
        password = readFileSync(pbx.passwordFile, 'utf8').split(/\r?\n/)[0];
      } catch (error) {
        // A value that does not look like a path may be a password typed into the wrong field: not shown.
        const name = basename(pbx.passwordFile);
        const shown = /.\.[A-Za-z0-9]{1,8}$|^\./.test(name)
          ? pbx.passwordFile
          : `${dirname(pbx.passwordFile)}/… (the file name is not shown: it has no extension and may be a password typed into the wrong field)`;
        throw new InputError(`pbx.login.passwordFile: cannot read ${shown} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      }
    } else {
      password = this.env[pbx.passwordEnv];
    }
    if (!password && !pbx.passwordFile && !pbx.passwordSecret && this.options.prompt) {
      password = await this.options.prompt(`PBX password for ${pbx.username} at ${new URL(pbx.apiUrl).host}`);
    }
    if (!password) {
      throw new InputError(
        `no PBX password for ${pbx.username} at ${new URL(pbx.apiUrl).host}: set ${pbx.passwordEnv} ` +
          '(or pbx.login.passwordFile); gwkit only prompts on a terminal outside CI',
      );
    }
    return password;
  }

  /**
   * Check the PBX side of one tenant is usable before touching it (settings, CA file, password),
   * without logging in: undefined when fine, else what is missing, in words (`status` reports it
   * instead of failing).
   */
  async pbxProblem(tenant: PbxTenant): Promise<string | undefined> {
    try {
      const pbx = this.pbxOf(tenant);
      const caProblem = this.pbxCaFileProblem(tenant);
      if (caProblem) return caProblem;
      await this.passwordFor(pbx);
      return undefined;
    } catch (error) {
      if (error instanceof InputError) return error.message;
      throw error;
    }
  }

  /**
   * Run `work` in a PBX session acting inside the tenant. Sessions are reused from tenant to
   * tenant and logged out by `close()`; a refused login is tried once per PBX identity.
   */
  async withPbx<T>(tenant: PbxTenant, work: (pbx: PortSipClient, settings: PbxSettings) => Promise<T>): Promise<T> {
    const pbx = this.pbxOf(tenant);
    const perMinute = this.budgetOf(pbx);
    const target = {
      connection: {
        baseUrl: pbx.apiUrl,
        username: pbx.username,
        password: await this.passwordFor(pbx),
        caFile: this.options.pbxCaFile ?? pbx.caFile,
        timeoutMs: pbx.timeoutMs,
      },
      role: pbx.role,
      requestsPerMinute: perMinute,
      tenant: tenant.pbxTenant,
    };
    return this.pbxSessions.withTenant(target, (session) => work(session, pbx));
  }

  /** The smallest requestsPerMinute among the selected tenants of a PBX is its budget (computed once per PBX). */
  private budgetOf(pbx: PbxSettings): number {
    let perMinute = this.budgets.get(pbx.apiUrl);
    if (perMinute === undefined) {
      perMinute = Math.min(
        ...[...this.tenants, ...this.microsoft365Tenants].filter((t) => t.pbx?.apiUrl === pbx.apiUrl).map((t) => t.pbx!.requestsPerMinute),
        pbx.requestsPerMinute,
      );
      this.budgets.set(pbx.apiUrl, perMinute);
    }
    return perMinute;
  }

  /** Google credentials are one input for the whole run: the file ADC names is checked once, before any Google call. */
  private assertGoogleCredentials(): void {
    if (this.credentialsChecked) return;
    checkCredentialsFile(this.env);
    this.credentialsChecked = true;
  }

  /**
   * Before any tenant: can Application Default Credentials be found at all? Without a file, ADC
   * falls back to a metadata server (GCE, Cloud Run, Cloud Build); where there is none, that is one
   * problem of the run, said once (exit 2), not a failure of every tenant.
   */
  async assertGoogleReady(): Promise<void> {
    const { auth } = await this.google();
    try {
      await auth.getClient();
    } catch (error) {
      throw noCredentialsError(error) ?? error;
    }
  }

  /** End the run: log out of every PBX session. */
  async close(): Promise<void> {
    await this.pbxSessions.close();
  }

  /** Google clients on Application Default Credentials, created on first use. */
  google(): Promise<GoogleServices> {
    this.googleServices ??= (async () => {
      this.assertGoogleCredentials();
      const settings = this.fleet.google;
      const endpoints = resolveEndpoints(settings.endpoints);
      const auth = await createGoogleAuth({
        endpoints,
        impersonateServiceAccount: settings.impersonateServiceAccount,
        quotaProject: settings.quotaProject,
        caFile: settings.caFile,
      }).catch((error: unknown) => {
        throw noCredentialsError(error) ?? error;
      });
      // Enabling an API propagates for minutes after Terraform reports success (docs/google-cloud.md).
      const store = new ClientCredentialStore(auth, { endpoints, retry: { propagationWaitMs: 180_000, clock: this.options.clock } });
      return { auth, endpoints, caFile: settings.caFile, store, records: new CredentialRecords(store) };
    })();
    return this.googleServices;
  }
}
