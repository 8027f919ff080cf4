/**
 * What a new user meets first, run as the built binary (`dist/cli/bin.js`, what `npx gwkit` runs):
 * no Google credentials at all, and habits from other tools (`gwkit deploy`).
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');

function gwkit(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist/cli/bin.js'), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('no Application Default Credentials anywhere', () => {
  // Off Google Cloud, ADC's last resort is a metadata server lookup. A stand-in on loopback answers
  // it with a 403 (as a proxy on a workstation may), which makes gcp-metadata emit its
  // MetadataLookupWarning; the real metadata address is never contacted from a test.
  let metadata: Server;
  let env: Record<string, string>;
  beforeAll(async () => {
    metadata = createServer((_req, res) => res.writeHead(403).end('forbidden'));
    await new Promise<void>((r) => metadata.listen(0, '127.0.0.1', r));
    env = { HOME: '/nonexistent-gwkit-home', CI: 'true', GCE_METADATA_HOST: `127.0.0.1:${(metadata.address() as AddressInfo).port}` };
  });
  afterAll(() => new Promise((r) => metadata.close(r)));

  test('status says so once, before any tenant, with the fix; no MetadataLookupWarning reaches the user', async () => {
    const r = await gwkit(['status'], env);
    expect(r.code).toBe(2);
    expect(r.stderr.match(/no Google credentials found \(Application Default Credentials\)/g)).toHaveLength(1);
    expect(r.stderr).toContain('gcloud auth application-default login');
    expect(r.stderr).not.toMatch(/MetadataLookupWarning|trace-warnings/);
    // Nothing per tenant: the run stopped before the first one.
    expect(r.stderr).not.toMatch(/acme|globex|initech-lab/);
  });

  test('the same for a fleet command under --json: one error envelope', async () => {
    const r = await gwkit(['rollout', '--all', '--json'], { ...env, GWKIT_PBX_PASSWORD: 'x', GWKIT_PBX_PASSWORD_INITECH: 'y' });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: false,
      exitCode: 2,
      command: 'rollout',
      error: { message: expect.stringMatching(/^no Google credentials found/) },
    });
    expect(r.stderr).not.toMatch(/MetadataLookupWarning/);
  });
});

test('gwkit deploy (or apply, synth, destroy) says gwkit does not run Terraform and names the CDK CLI line', async () => {
  const deploy = await gwkit(['deploy', '--tenant', 'acme'], { CI: 'true' });
  expect(deploy.code).toBe(2);
  expect(deploy.stderr).toContain('gwkit does not run Terraform');
  expect(deploy.stderr).toContain('`GWKIT_TENANTS=acme npx cdktn deploy acme`');
  const apply = await gwkit(['apply', '--tenant', 'acme', '--tenant', 'globex'], { CI: 'true' });
  expect(apply.stderr).toContain('`GWKIT_TENANTS=acme,globex npx cdktn deploy acme globex`');
  const synth = await gwkit(['synth'], { CI: 'true' });
  expect(synth.stderr).toContain('`npx cdktn synth`');
  const destroy = await gwkit(['destroy'], { CI: 'true' });
  expect(destroy.stderr).toContain('`GWKIT_TENANTS=<tenant> npx cdktn destroy <tenant>`');
  const unknown = await gwkit(['deploy', '--tenant', 'nope'], { CI: 'true' });
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toContain('no tenant with id "nope"');
});
