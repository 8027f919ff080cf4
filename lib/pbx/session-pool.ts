/**
 * PbxSessionPool: the PBX sessions of one gwkit run, reused from tenant to tenant.
 *
 * A session acts in one tenant at a time, so a worker borrows a session, switches it into its
 * tenant, works, and gives it back; the next tenant reuses the login. That makes a fleet run cost
 * a few logins per PBX instead of one per tenant (a PortSIP login is itself a rate-limited request,
 * and every login is one more access token on the PBX). Per PBX identity (URL, user, tenant-admin
 * domain):
 * - the first login goes alone: if it is refused (wrong password, 2FA), every other tenant of that
 *   identity fails with the same error without trying, so a fleet run cannot lock the account;
 * - a system administrator reads the tenant list once (paged) and finds each tenant in it;
 * - all sessions to one PBX share one RequestBudget (requests per minute), which learns the PBX's
 *   real limit from its 429s.
 */
import { systemClock, type Clock } from '../clock';
import { PortSipClient, type PbxConnectionOptions } from './client';
import { PbxLoginChallengedError, PortSipError } from './errors';
import { RequestBudget, type PaceChange } from './request-budget';
import { enterTenant, type TenantRef } from './session';
import type { TenantSummary } from './types';

/** What a session needs to act in one PBX tenant (not the key of gwkit's records: lib/records PbxTarget). */
export interface PbxSessionTarget {
  /** Login and transport settings (the budget and clock come from the pool). */
  readonly connection: Omit<PbxConnectionOptions, 'budget' | 'clock' | 'domain'>;
  readonly role: 'system-admin' | 'tenant-admin';
  /** Requests per minute for this PBX at most (the smallest setting among its tenants wins); less if the PBX allows less. */
  readonly requestsPerMinute: number;
  readonly tenant: TenantRef;
}

interface Identity {
  readonly options: PbxConnectionOptions;
  readonly systemAdmin: boolean;
  readonly idle: PortSipClient[];
  readonly all: PortSipClient[];
  firstLogin?: Promise<PortSipClient>;
  refused?: Error;
  directory?: Promise<TenantSummary[]>;
}

/** A refusal that another attempt with the same credentials would only repeat. */
function isRefusal(error: unknown): boolean {
  return (
    error instanceof PbxLoginChallengedError ||
    (error instanceof PortSipError && error.code === 'UNAUTHORIZED' && error.operation.includes('/login/'))
  );
}

export class PbxSessionPool {
  private readonly identities = new Map<string, Identity>();
  private readonly budgets = new Map<string, RequestBudget>();
  private readonly checkedTenantAdmins = new WeakSet<PortSipClient>();
  private readonly clock: Clock;
  private readonly onPaceChange?: (pbx: string, change: PaceChange) => void;

  constructor(options: { clock?: Clock; onPaceChange?: (pbx: string, change: PaceChange) => void } = {}) {
    this.clock = options.clock ?? systemClock;
    this.onPaceChange = options.onPaceChange;
  }

  /** Run `work` in a session acting inside the target's tenant. */
  async withTenant<T>(target: PbxSessionTarget, work: (client: PortSipClient) => Promise<T>): Promise<T> {
    const identity = this.identityOf(target);
    const client = await this.acquire(identity);
    try {
      await this.enter(identity, client, target);
      return await work(client);
    } finally {
      identity.idle.push(client);
    }
  }

  /** Log every session out (revoking its token). Safe to call twice. */
  async close(): Promise<void> {
    const clients = [...this.identities.values()].flatMap((i) => i.all);
    this.identities.clear();
    await Promise.all(clients.map((c) => c.logout().catch(() => undefined)));
  }

  private identityOf(target: PbxSessionTarget): Identity {
    const tenantAdmin = target.role === 'tenant-admin';
    const tenantAdminDomain = tenantAdmin ? target.tenant.domain : undefined;
    // A tenant admin's login is its own identity: keyed on the whole tenant reference.
    const key = `${target.connection.baseUrl}|${target.connection.username}|${tenantAdmin ? JSON.stringify(target.tenant) : ''}`;
    let identity = this.identities.get(key);
    if (!identity) {
      // One budget per PBX for the whole run, never replaced (callers give every tenant of a
      // PBX the same, smallest, setting).
      let budget = this.budgets.get(target.connection.baseUrl);
      if (!budget) {
        const pbx = target.connection.baseUrl;
        budget = new RequestBudget(target.requestsPerMinute, {
          clock: this.clock,
          onPaceChange: (change) => this.onPaceChange?.(pbx, change),
        });
        this.budgets.set(target.connection.baseUrl, budget);
      }
      identity = {
        options: { ...target.connection, domain: tenantAdminDomain, tenantBound: tenantAdmin, budget, clock: this.clock },
        systemAdmin: target.role === 'system-admin',
        idle: [],
        all: [],
      };
      this.identities.set(key, identity);
    }
    return identity;
  }

  private async acquire(identity: Identity): Promise<PortSipClient> {
    if (identity.refused) throw identity.refused;
    const idle = identity.idle.pop();
    if (idle) return idle;
    if (identity.firstLogin) {
      // Wait for the first login's verdict before trying the same credentials again.
      await identity.firstLogin.catch(() => undefined);
      if (identity.refused) throw identity.refused;
      const freed = identity.idle.pop();
      if (freed) return freed;
    }
    const login = PortSipClient.login(identity.options);
    identity.firstLogin ??= login;
    try {
      const client = await login;
      identity.all.push(client);
      return client;
    } catch (error) {
      if (isRefusal(error)) identity.refused = error as Error;
      else if (identity.firstLogin === login) identity.firstLogin = undefined;
      throw error;
    }
  }

  private async enter(identity: Identity, client: PortSipClient, target: PbxSessionTarget): Promise<void> {
    // A tenant admin's login decides the tenant: it is checked once per session.
    if (!identity.systemAdmin && this.checkedTenantAdmins.has(client)) return;
    // A system admin reads the tenant list once per identity, shared by its sessions.
    const tenants = () =>
      (identity.directory ??= client.listTenants().catch((error: unknown) => {
        identity.directory = undefined; // a later tenant may try again
        throw error;
      }));
    await enterTenant(client, target.tenant, { systemAdmin: identity.systemAdmin, tenants, pbx: target.connection.baseUrl });
    if (!identity.systemAdmin) this.checkedTenantAdmins.add(client);
  }
}
