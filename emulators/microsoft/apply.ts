/**
 * "Emulated apply" of a Microsoft 365 tenant stack: reads the cdk.tf.json cdktn synthesized and
 * creates in the Microsoft emulator what Terraform's azuread provider would create, resolving
 * the `${...}` references between resources the same way. Nothing is taken from gwkit.yaml: a
 * wrong stack (a missing certificate, permission or consent) yields a wrong directory, and the
 * later verify fails as it would against Microsoft. Returns the stack's outputs as
 * `cdktn deploy --outputs-file` writes them ({ STACK: { OUTPUT: value } }).
 *
 * Applying a stack again works as Terraform does with its state: resources applied before are
 * updated in place (the application keeps its ids), new ones are created, and those the stack no
 * longer declares are destroyed (a certificate retired after a renewal leaves the app).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { GRAPH_APP_ID, thumbprints, type MicrosoftEmulator } from './index';

type Attrs = Record<string, unknown>;
interface TfJson {
  provider?: { azuread?: Array<{ tenant_id?: string }> };
  data?: Record<string, Record<string, Attrs>>;
  resource?: Record<string, Record<string, Attrs>>;
  output?: Record<string, { value: unknown }>;
}

/** What an apply created, per emulator and stack: Terraform's state, by resource address. */
const applied = new WeakMap<MicrosoftEmulator, Map<string, Map<string, Attrs>>>();

/** Apply one stack (its cdk.tf.json) to the emulator; returns { stack: outputs }. */
export function applyMs365Stack(ms: MicrosoftEmulator, cdkTfJson: string): Record<string, Record<string, unknown>> {
  const stack = basename(dirname(cdkTfJson));
  const tf = JSON.parse(readFileSync(cdkTfJson, 'utf8')) as TfJson;
  const tenantId = tf.provider?.azuread?.[0]?.tenant_id;
  const dir = tenantId ? ms.directories.get(tenantId.toLowerCase()) : undefined;
  if (!dir) throw new Error(`emulated apply: the provider's tenant_id ${tenantId} is not a directory of the Microsoft emulator`);
  const state = new Map<string, Attrs>();
  const stacks = applied.get(ms) ?? new Map<string, Map<string, Attrs>>();
  applied.set(ms, stacks);
  const prior = stacks.get(stack) ?? new Map<string, Attrs>();

  // `${addr.attr}`, `${addr.attr["key"]}`: what cdktf writes for references.
  const resolve = (value: unknown): unknown => {
    if (typeof value === 'string') {
      const whole = /^\$\{([^}]+)\}$/.exec(value);
      if (whole) return lookup(whole[1]!);
      return value.replace(/\$\{([^}]+)\}/g, (_, expr: string) => String(lookup(expr)));
    }
    if (Array.isArray(value)) return value.map(resolve);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
    return value;
  };
  const lookup = (expr: string): unknown => {
    const m = /^((?:data\.)?[a-z_]+\.[^.[]+)\.([a-z_]+)(?:\["([^"]+)"\])?$/.exec(expr);
    if (!m) throw new Error(`emulated apply: unsupported expression \${${expr}}`);
    const attrs = state.get(m[1]!);
    if (!attrs) throw new Error(`emulated apply: ${m[1]} is referenced before it exists`);
    const value = attrs[m[2]!];
    if (m[3] === undefined) return value;
    const found = (value as Record<string, unknown>)[m[3]];
    if (found === undefined) throw new Error(`emulated apply: ${m[1]}.${m[2]} has no key "${m[3]}"`);
    return found;
  };
  const each = (type: string, block: 'resource' | 'data' = 'resource') => Object.entries(tf[block]?.[type] ?? {});

  for (const [name, raw] of each('azuread_service_principal', 'data')) {
    const a = resolve(raw) as Attrs;
    if (a.client_id !== GRAPH_APP_ID)
      throw new Error(`emulated apply: data source ${name} reads ${String(a.client_id)}; only Microsoft Graph is emulated`);
    state.set(`data.azuread_service_principal.${name}`, {
      object_id: dir.graph.objectId,
      app_role_ids: dir.graph.appRoleIds,
      client_id: GRAPH_APP_ID,
    });
  }
  for (const [name, raw] of each('azuread_application')) {
    const a = resolve(raw) as Attrs & {
      web?: { redirect_uris?: string[]; implicit_grant?: { id_token_issuance_enabled?: boolean } };
      required_resource_access?: unknown;
    };
    const existing = dir.applications.get(String(prior.get(`azuread_application.${name}`)?.object_id));
    const app = {
      objectId: existing?.objectId ?? randomUUID(),
      clientId: existing?.clientId ?? randomUUID(),
      displayName: String(a.display_name),
      signInAudience: String(a.sign_in_audience ?? 'AzureADMyOrg'),
      redirectUris: a.web?.redirect_uris ?? [],
      idTokens: a.web?.implicit_grant?.id_token_issuance_enabled ?? false,
      keyCredentials: existing?.keyCredentials ?? [],
      passwordCredentials: 0,
    };
    dir.applications.set(app.objectId, app);
    state.set(`azuread_application.${name}`, { id: `/applications/${app.objectId}`, object_id: app.objectId, client_id: app.clientId });
  }
  if (tf.resource?.azuread_application_password)
    throw new Error('emulated apply: the stack creates a client secret (azuread_application_password)');
  // Certificates the stack no longer declares are destroyed (a renewal finished).
  const declared = new Set(each('azuread_application_certificate').map(([name]) => `azuread_application_certificate.${name}`));
  for (const [address, attrs] of prior) {
    if (!address.startsWith('azuread_application_certificate.') || declared.has(address)) continue;
    const owner = dir.applications.get(String(attrs.object_id));
    if (owner) owner.keyCredentials = owner.keyCredentials.filter((k) => k.thumbprintSha1 !== attrs.thumbprint);
  }
  for (const [name, raw] of each('azuread_application_certificate')) {
    const address = `azuread_application_certificate.${name}`;
    if (prior.has(address)) {
      state.set(address, prior.get(address)!);
      continue;
    }
    const a = resolve(raw) as Attrs;
    const objectId = String(a.application_id).replace(/^\/applications\//, '');
    const app = dir.applications.get(objectId);
    if (!app) throw new Error(`emulated apply: ${name}: application ${String(a.application_id)} does not exist`);
    if (a.type !== 'AsymmetricX509Cert' || a.encoding !== 'pem')
      throw new Error(`emulated apply: ${name}: only PEM X.509 certificates are emulated`);
    const t = thumbprints(String(a.value));
    app.keyCredentials.push({ thumbprintSha1: t.sha1, thumbprintSha256: t.sha256, pem: String(a.value), endDate: String(a.end_date) });
    state.set(address, { id: `${a.application_id}/certificate/${t.sha1}`, object_id: objectId, thumbprint: t.sha1 });
  }
  for (const [name, raw] of each('azuread_service_principal')) {
    const a = resolve(raw) as Attrs;
    const app = [...dir.applications.values()].find((x) => x.clientId === a.client_id);
    if (!app) throw new Error(`emulated apply: ${name}: no application with client id ${String(a.client_id)}`);
    const sp = { objectId: String(prior.get(`azuread_service_principal.${name}`)?.object_id ?? randomUUID()), clientId: app.clientId };
    dir.servicePrincipals.set(sp.objectId, sp);
    state.set(`azuread_service_principal.${name}`, { object_id: sp.objectId, client_id: sp.clientId });
  }
  for (const [name, raw] of each('azuread_app_role_assignment')) {
    const a = resolve(raw) as Attrs;
    if (!dir.servicePrincipals.has(String(a.principal_object_id)))
      throw new Error(`emulated apply: ${name}: principal ${String(a.principal_object_id)} does not exist`);
    if (a.resource_object_id !== dir.graph.objectId)
      throw new Error(`emulated apply: ${name}: resource ${String(a.resource_object_id)} is not Microsoft Graph`);
    const address = `azuread_app_role_assignment.${name}`;
    const held = dir.assignments.find((x) => x.id === prior.get(address)?.id);
    const assignment = held ?? {
      id: randomUUID(),
      principalObjectId: String(a.principal_object_id),
      resourceObjectId: String(a.resource_object_id),
      appRoleId: String(a.app_role_id),
    };
    if (!held) dir.assignments.push(assignment);
    state.set(address, { id: assignment.id });
  }
  // Consent the stack no longer declares is revoked (a feature turned off).
  for (const [address, attrs] of prior) {
    if (!address.startsWith('azuread_app_role_assignment.') || state.has(address)) continue;
    const at = dir.assignments.findIndex((x) => x.id === attrs.id);
    if (at >= 0) dir.assignments.splice(at, 1);
  }
  stacks.set(stack, state);
  const outputs = Object.fromEntries(Object.entries(tf.output ?? {}).map(([k, o]) => [k, resolve(o.value)]));
  return { [stack]: outputs };
}
