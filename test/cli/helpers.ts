/**
 * Shared helpers of the CLI integration suites. They drive `gwkit` IN-PROCESS (runGwkit with a
 * recording CliIo: fast, no build needed) against the sandbox over real HTTPS, and look at the
 * emulators' state. The child-process smoke suites (no-secret-leaks, prompts, e2e) run the built
 * binary through `sb.runCli` instead.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runGwkit } from '../../cli/gwkit';
import type { CliIo } from '../../cli/io';
import type { Sandbox, SandboxCliResult } from '../../emulators/sandbox';

export const SECRET_ID = 'gwkit-oauth-client';
export const TENANTS = ['acme', 'globex', 'initech-lab'] as const;

/** Secret Manager versions of a tenant's credential slot (payload decoded). */
export function versions(sb: Sandbox, tenant: string): { version: number; state: string; payload: string }[] {
  return sb.google.state.secretVersions(sb.tenants[tenant]!.projectId, SECRET_ID);
}

/** The payload `gwkit client import` stores: exactly the pair, as JSON. */
export function pairPayload(clientId: string, clientSecret: string): string {
  return JSON.stringify({ client_id: clientId, client_secret: clientSecret });
}

/** POST /api/google requests the PBX emulator has seen (the only PBX write of post-deploy). */
export function pbxGoogleWrites(sb: Sandbox): number {
  return sb.pbx.state.requests.filter((r) => r.method === 'POST' && /^\/api\/(admin\/)?google(\/destroy)?$/.test(r.path)).length;
}

/** Secret Manager writes the Google emulator has seen. */
export function googleWrites(sb: Sandbox): number {
  return sb.google.state.requests.filter((r) => r.method !== 'GET' && /:addVersion$/.test(r.path)).length;
}

/** What the PBX holds in a tenant's Google slot. */
export function pbxSlot(sb: Sandbox, tenant: string): { client_id: string; client_secret: string } {
  const slot = sb.pbx.googleSlot(sb.tenants[tenant]!.pbxTenantId);
  return { client_id: slot.client_id, client_secret: slot.client_secret };
}

/** Everything observable that a bad-input run must leave alone. */
export function worldSnapshot(sb: Sandbox): unknown {
  return {
    versions: Object.fromEntries(
      Object.keys(sb.tenants)
        .filter((t) => sb.tenants[t]!.deployed)
        .map((t) => [t, versions(sb, t)]),
    ),
    slots: Object.fromEntries(Object.keys(sb.tenants).map((t) => [t, pbxSlot(sb, t)])),
    pbxWrites: pbxGoogleWrites(sb),
    googleWrites: googleWrites(sb),
  };
}

/**
 * A copy of a Console client file with some web.* fields changed (e.g. a mistyped secret), in
 * `edited/` under the sandbox dir so that leak scans can tell it from generated files.
 */
export function editedClientFile(sb: Sandbox, file: string, name: string, web: Record<string, unknown>): string {
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { web: Record<string, unknown> };
  doc.web = { ...doc.web, ...web };
  mkdirSync(join(sb.dir, 'edited'), { recursive: true });
  const out = join(sb.dir, 'edited', name);
  writeFileSync(out, JSON.stringify(doc), { mode: 0o600 });
  return out;
}

/** A readable failure message: the CLI's own output is what one needs when an assertion fails. */
export function describeRun(args: readonly string[], r: SandboxCliResult): string {
  return `gwkit ${args.join(' ')} → exit ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
}

/**
 * Run `gwkit ARGS --config <sandbox config>` in this process: the environment is the sandbox's (no
 * ambient Google or gwkit variables), no terminal, stdin = `input`. Google's ADC file is read by
 * google-auth-library from process.env, so it is set there too.
 */
export async function runInProcess(
  sb: Sandbox,
  args: string[],
  opts: {
    input?: string;
    env?: Record<string, string | undefined> /** @default the sandbox's; false: none */;
    config?: string | false;
  } = {},
): Promise<SandboxCliResult> {
  const ambient = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(GOOGLE_|CLOUDSDK_|GCLOUD_|GCE_|GWKIT_)/.test(k)));
  const env: NodeJS.ProcessEnv = { ...ambient, ...sb.env, ...opts.env };
  process.env.GOOGLE_APPLICATION_CREDENTIALS = env.GOOGLE_APPLICATION_CREDENTIALS;
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (t) => (stdout += t.endsWith('\n') ? t : `${t}\n`),
    stderr: (t) => (stderr += t.endsWith('\n') ? t : `${t}\n`),
    env,
    interactive: false,
    prompt: () => Promise.reject(new Error('no terminal in tests')),
    readStdin: async () => opts.input ?? '',
    openUrl: () => undefined,
  };
  const config = opts.config ?? sb.configPath;
  const code = await runGwkit(config === false ? args : [...args, '--config', config], io);
  let json: any;
  if (args.includes('--json')) {
    try {
      json = JSON.parse(stdout);
    } catch {
      json = undefined;
    }
  }
  return { code, stdout, stderr, json };
}

/** Run the CLI in-process and assert the exit code, showing stdout/stderr when it differs. */
export async function runExpect(
  sb: Sandbox,
  args: string[],
  code: number,
  opts?: { input?: string; env?: Record<string, string | undefined> },
): Promise<SandboxCliResult> {
  const r = await runInProcess(sb, args, opts);
  if (r.code !== code) throw new Error(`expected exit ${code}\n${describeRun(args, r)}`);
  return r;
}
