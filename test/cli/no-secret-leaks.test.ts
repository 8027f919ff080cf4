/**
 * No secret leaks: run the whole flow through the BUILT CLI (with GWKIT_DEBUG=1, so debug output
 * is covered too), including the failure paths (wrong secret, wrong project, missing password,
 * wrong PBX password, PBX write failing), the Microsoft 365 tenant's flow (discover, emulated deploy,
 * rollout, a certificate renewal, teardown), plus `cdktf synth` of the sandbox fleet; then search
 * every stdout/stderr and every file under the sandbox dir (except the Console's client JSON files
 * themselves) for any client secret, PBX password or private key the PBX generated, raw or encoded.
 * Needs `npx tsc -p .` first.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ms365SlotOf } from '../../emulators/pbx';
import { repoRoot, startSandbox, type Sandbox, type SandboxCliResult } from '../../emulators/sandbox';
import { describeRun, editedClientFile, pairPayload } from './helpers';

let sb: Sandbox;
/** Every output the CLI (and synth) produced: label, exit code, text. */
const outputs: { label: string; code: number | null; text: string }[] = [];
/** Secret name → value. */
const secrets = new Map<string, string>();
/** Payloads as stored in Secret Manager (their base64 would be a leak too). */
const payloads: string[] = [];

const DEBUG = { GWKIT_DEBUG: '1' };

async function run(
  args: string[],
  expectCode: number,
  opts: { input?: string; env?: Record<string, string | undefined> } = {},
): Promise<SandboxCliResult> {
  const r = await sb.runCli(args, { ...opts, env: { ...DEBUG, ...opts.env } } as { input?: string; env?: Record<string, string> });
  outputs.push({ label: `gwkit ${args.join(' ')}`, code: r.code, text: `${r.stdout}\n${r.stderr}` });
  if (r.code !== expectCode) throw new Error(`expected exit ${expectCode}\n${describeRun(args, r)}`);
  return r;
}

function client(tenant: string, opts?: { redirectUris?: string[]; projectId?: string }) {
  const c = sb.createWebClient(tenant, opts);
  secrets.set(`client secret ${c.clientId}`, c.clientSecret);
  payloads.push(pairPayload(c.clientId, c.clientSecret));
  return c;
}

function synth(): Promise<{ code: number | null; text: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot(), 'dist', 'main.js')], {
      cwd: sb.dir,
      env: { PATH: process.env.PATH ?? '', ...sb.env, ...DEBUG },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => chunks.push(c));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, text: Buffer.concat(chunks).toString('utf8') }));
  });
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** Every form a secret could take in output: raw, URL-encoded, base64(url). */
function forms(value: string): string[] {
  return [...new Set([value, encodeURIComponent(value), Buffer.from(value).toString('base64'), Buffer.from(value).toString('base64url')])];
}

function leaksIn(text: string): string[] {
  const found: string[] = [];
  for (const [name, value] of secrets)
    for (const f of forms(value)) if (text.includes(f)) found.push(`${name} (as ${f === value ? 'raw' : f})`);
  for (const p of payloads) for (const f of forms(p).slice(2)) if (text.includes(f)) found.push(`a Secret Manager payload (base64)`);
  return found;
}

beforeAll(async () => {
  sb = await startSandbox({ microsoft365: true });
  // The Microsoft 365 tenant's key pair: the PBX keeps its private key, which must never leave it.
  const pbxKey = (label: string) => {
    const key = ms365SlotOf(sb.pbx.state, sb.microsoft365Tenants.contoso!.pbxTenantId).key!;
    for (const [i, line] of key
      .split('\n')
      .filter((l) => l && !l.startsWith('-----'))
      .entries())
      secrets.set(`PBX private key (${label}) line ${i + 1}`, line);
  };
  for (const [k, v] of Object.entries(sb.env)) if (/^GWKIT_PBX_PASSWORD/.test(k)) secrets.set(`PBX password ${k}`, v);
  const wrongPbxPassword = 'sbx-wrong-password-for-leak-test-7q3';
  secrets.set('wrong PBX password', wrongPbxPassword);

  const tenants = ['acme', 'globex', 'initech-lab'];
  const good = Object.fromEntries(tenants.map((t) => [t, client(t)]));
  const wrongProject = client('globex', { projectId: 'pbxgw-acme' });
  const noSbc = client('acme', { redirectUris: [sb.tenants.acme!.redirectUris[0]!] });
  const badSecretValue = 'GOCSPX-leaktest-wrong-secret-Zk81';
  secrets.set('mistyped client secret', badSecretValue);
  const badSecret = editedClientFile(sb, good['initech-lab']!.file, 'lab-wrong-secret.json', { client_secret: badSecretValue });

  // First on its own: the PBX generates its key pair once, and the facts file records that certificate.
  await run(['discover', '--tenant', 'contoso', '--json'], 0);
  pbxKey('first');
  await Promise.all([
    run(['config', 'validate', '--json'], 0),
    run(['config', 'validate'], 0),
    run(['discover', '--all', '--json'], 0),
    run(['discover', '--all'], 0),
    run(['client', 'guide', '--tenant', 'acme', '--json'], 0),
    run(['client', 'guide', '--tenant', 'initech-lab'], 0),
  ]);
  await Promise.all([
    run(['client', 'import', '--tenant', 'acme', '--file', good.acme!.file, '--json'], 0),
    run(['client', 'import', '--tenant', 'globex', '--stdin', '--json'], 0, { input: readFileSync(good.globex!.file, 'utf8') }),
    run(['client', 'import', '--tenant', 'initech-lab', '--file', good['initech-lab']!.file], 0),
    run(['client', 'import', '--tenant', 'globex', '--file', wrongProject.file, '--json'], 2),
    run(['client', 'import', '--tenant', 'acme', '--file', noSbc.file], 2),
    run(['client', 'import', '--tenant', 'initech-lab', '--file', badSecret, '--json'], 2),
    run(['client', 'import', '--tenant', 'initech-lab', '--file', badSecret], 2),
    run(['client', 'import', '--tenant', 'initech-lab', '--stdin', '--dry-run', '--json'], 2, { input: readFileSync(badSecret, 'utf8') }),
  ]);
  await Promise.all([
    run(['client', 'import', '--tenant', 'acme', '--file', good.acme!.file], 0),
    run(['client', 'import', '--tenant', 'globex', '--file', good.globex!.file, '--dry-run', '--json'], 0),
    run(['post-deploy', '--all', '--json'], 3),
  ]);
  await Promise.all([run(['post-deploy', '--all'], 3), run(['status', '--json'], 0), run(['status'], 0)]);

  // Microsoft 365: the emulated deploy, one rollout of the mixed fleet, a certificate renewal, teardown's guidance.
  const outputsFile = sb.deployMs365();
  await run(['rollout', '--all', '--outputs-file', outputsFile, '--report', join(sb.dir, 'rollout.html'), '--json'], 3);
  await run(['post-deploy', '--tenant', 'contoso', '--outputs-file', outputsFile], 0);
  await run(['client', 'rotate', '--tenant', 'contoso', '--new-certificate', '--json'], 3);
  pbxKey('renewed');
  await run(['status', '--tenant', 'contoso', '--report', join(sb.dir, 'status.md')], 1);
  sb.deployMs365();
  await run(['client', 'rotate', '--tenant', 'contoso'], 3);
  await Promise.all([run(['verify', '--tenant', 'contoso', '--json'], 0), run(['teardown', '--tenant', 'contoso', '--dry-run'], 3)]);

  // Failure paths: missing password, wrong PBX password, the PBX refusing the write.
  const next = client('acme');
  await run(['client', 'import', '--tenant', 'acme', '--file', next.file, '--json'], 0);
  // The write is retried (idempotent): 1 + 2 retries use up exactly these 3 faults.
  sb.pbx.failNext('POST', '/google', 500, 3);
  await Promise.all([
    run(['post-deploy', '--all', '--dry-run', '--json'], 3),
    run(['post-deploy', '--all', '--json'], 2, { env: { GWKIT_PBX_PASSWORD: undefined } }),
    run(['discover', '--all', '--json'], 1, { env: { GWKIT_PBX_PASSWORD: wrongPbxPassword } }),
    run(['status'], 1, { env: { GWKIT_PBX_PASSWORD_INITECH: wrongPbxPassword } }),
  ]);
  await run(['post-deploy', '--tenant', 'acme', '--json'], 1);
  await run(['post-deploy', '--tenant', 'acme'], 3);

  const s = await synth();
  outputs.push({ label: 'cdktf synth (node dist/main.js)', code: s.code, text: s.text });
});
afterAll(async () => {
  await sb?.close();
});

test('the flow really ran: good, refused and failed runs all happened', () => {
  const codes = outputs.map((o) => o.code);
  for (const c of [0, 1, 2, 3]) expect(codes).toContain(c);
  expect(outputs.find((o) => o.label.startsWith('cdktf synth'))?.code).toBe(0);
  expect(filesUnder(sb.dir).some((f) => f.endsWith('cdk.tf.json'))).toBe(true);
  // The PBX write failure path was exercised (its error message is among the outputs).
  expect(sb.pbx.state.requests.some((r) => r.method === 'POST' && r.path === '/api/google' && r.status === 500)).toBe(true);
  expect(secrets.size).toBeGreaterThanOrEqual(8);
  // The Microsoft 365 flow ran: two key pairs, the stack synthesized for the tenant, its facts recorded.
  expect([...secrets.keys()].filter((k) => k.startsWith('PBX private key (renewed)')).length).toBeGreaterThan(10);
  expect(filesUnder(sb.dir).some((f) => f.endsWith(join('contoso', 'cdk.tf.json')))).toBe(true);
  expect(outputs.some((o) => o.label.includes('--new-certificate') && o.code === 3)).toBe(true);
});

test('no client secret and no PBX password in any stdout/stderr (JSON, human, debug, errors)', () => {
  const leaks = outputs.flatMap((o) => leaksIn(o.text).map((l) => `${o.label} (exit ${o.code}): ${l}`));
  expect(leaks).toEqual([]);
});

test('the wrong-secret runs name the client but not the secret', () => {
  const wrong = outputs.filter((o) => o.label.includes('lab-wrong-secret') || (o.label.includes('--stdin --dry-run') && o.code === 2));
  expect(wrong).toHaveLength(3);
  for (const o of wrong) {
    expect(o.text).toContain('invalid_client');
    expect(o.text).not.toContain(secrets.get('mistyped client secret')!);
  }
});

test('no secret in any file under the sandbox dir (generated config, synth output, ...) except the Console downloads', () => {
  const consoleDownload = (f: string) => /^client_secret_.*\.json$/.test(relative(sb.dir, f)) || relative(sb.dir, f).startsWith('edited/');
  const files = filesUnder(sb.dir).filter((f) => !consoleDownload(f));
  expect(files.length).toBeGreaterThan(5);
  const leaks = files.flatMap((f) => leaksIn(readFileSync(f, 'utf8')).map((l) => `${relative(sb.dir, f)}: ${l}`));
  expect(leaks).toEqual([]);
});
