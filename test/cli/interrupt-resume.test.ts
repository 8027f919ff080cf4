/**
 * Interrupt a rollout of 200 tenants halfway (SIGTERM, as a CI timeout sends it) and run it again:
 * the first run finishes what it started and reports what it did not reach; the rerun skips the
 * finished tenants (their state is derived from the sources) and every tenant ends configured
 * with exactly one PBX write. The built binary runs as a child process, as CI would run it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, startSandbox, type Sandbox } from '../../emulators/sandbox';
import { fleetHeader } from '../support/fleet-yaml';

const TENANTS = 200;
let sb: Sandbox;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gwkit-interrupt-'));
  const lines = [
    ...fleetHeader(
      '  consentScreen: { supportEmail: it@msp.example }',
      '  pbx: { url: "https://pbx.msp.example:8887", login: { username: admin } }',
    ),
    'tenants:',
  ];
  for (let i = 0; i < TENANTS; i++) lines.push(`  - { id: t${String(i).padStart(3, '0')}, pbxTenant: { domain: t${i}.pbx.example } }`);
  writeFileSync(join(dir, 'gwkit.yaml'), `${lines.join('\n')}\n`);
  // 20 ms per PBX answer: long enough to stop a run halfway. The PBX masks the secret on read, so a
  // tenant written without its record would be written again by the rerun: the count would show it.
  sb = await startSandbox({ fleetConfig: join(dir, 'gwkit.yaml'), pbxBehaviour: { latencyMs: 20, secretOnRead: 'masked' } });
  for (const id of Object.keys(sb.tenants)) {
    const c = sb.createWebClient(id);
    sb.google.addSecretVersion(
      sb.tenants[id]!.projectId,
      'gwkit-oauth-client',
      JSON.stringify({ client_id: c.clientId, client_secret: c.clientSecret }),
    );
  }
}, 60_000);
afterAll(async () => {
  await sb?.close();
});

const writes = () => sb.pbx.state.requests.filter((r) => r.method === 'POST' && r.path === '/api/google');

function rollout(report: string, killAfterWrites?: number): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [join(repoRoot(), 'dist/cli/gwkit.js'), 'rollout', '--all', '--concurrency', '8', '--report', report, '--config', sb.configPath],
      {
        env: { PATH: process.env.PATH, ...sb.env },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    let timer: NodeJS.Timeout | undefined;
    if (killAfterWrites !== undefined) {
      timer = setInterval(() => {
        if (writes().length >= killAfterWrites) {
          clearInterval(timer);
          child.kill('SIGTERM');
        }
      }, 10);
    }
    child.on('exit', (code) => {
      if (timer) clearInterval(timer);
      resolve({ code, stderr });
    });
  });
}

test('SIGTERM halfway, then the same command again: every tenant configured, exactly one PBX write each', async () => {
  const first = await rollout(join(sb.dir, 'first.json'), TENANTS / 2);
  expect(first.code).toBe(1);
  expect(first.stderr).toMatch(/SIGTERM: finishing the tenants in flight, starting no more/);
  expect(first.stderr).toMatch(/interrupted: \d+ tenant\(s\) not reached; run the same command again to continue/);
  const report = JSON.parse(readFileSync(join(sb.dir, 'first.json'), 'utf8'));
  const notReached = report.tenants.filter((t: any) => t.result === 'not reached').length;
  expect(notReached).toBeGreaterThan(0);
  expect(notReached).toBeLessThan(TENANTS);
  // Nothing half-written: every tenant the first run wrote holds its client, and it is recorded.
  const written = new Set(writes().map((w) => w.tenant));
  expect(report.tenants.filter((t: any) => t.result !== 'not reached')).toHaveLength(written.size);
  const nameToId = new Map(Object.entries(sb.tenants).map(([id, t]) => [t.name, id]));
  for (const name of written) {
    const id = nameToId.get(name!)!;
    expect(sb.google.state.secretAnnotations(sb.tenants[id]!.projectId, 'gwkit-oauth-client')['gwkit-pbx-applied']).toBeDefined();
  }

  const second = await rollout(join(sb.dir, 'second.json'));
  expect(second.code).toBe(3); // every tenant now waits for consent
  const perTenant = new Map<string, number>();
  for (const w of writes()) perTenant.set(w.tenant!, (perTenant.get(w.tenant!) ?? 0) + 1);
  expect(perTenant.size).toBe(TENANTS);
  expect([...perTenant.values()].every((n) => n === 1)).toBe(true);
  for (const id of Object.keys(sb.tenants)) {
    const annotations = sb.google.state.secretAnnotations(sb.tenants[id]!.projectId, 'gwkit-oauth-client');
    expect(JSON.parse(annotations['gwkit-pbx-applied']!)).toMatchObject({ version: 1 });
  }
  const again = JSON.parse(readFileSync(join(sb.dir, 'second.json'), 'utf8'));
  expect(again.summary.byStage).toEqual({ 'consent-pending': TENANTS });
  expect(sb.pbx.state.violations).toEqual([]);
}, 120_000);
