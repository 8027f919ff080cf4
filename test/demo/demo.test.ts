/** `npm run demo` is the README's "try it" command: it must finish, exit 0, and say what was emulated. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

test('the demo walks every example tenant to the end, exits 0 and leaves no process behind', async () => {
  const child = spawn(process.execPath, [join(__dirname, '../../dist/emulators/demo.js')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  // Exiting on its own is the proof that no emulator or child process keeps the event loop alive.
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect(stderr).toBe('');
  expect(code).toBe(0);
  for (const tenant of ['acme', 'globex', 'initech-lab']) {
    expect(stdout).toContain(`[EMULATED Console] ${tenant}: Web client created`);
    expect(stdout).toContain(`[EMULATED consent, auto-approved] ${tenant}: Google Workspace authorization completed`);
  }
  expect(stdout).toMatch(/acme\s+ok\s+pbxgw-acme\s+verified/);
  expect(stdout).toMatch(/initech-lab\s+ok\s+pbxgw-initech-lab\s+verified/);
  expect(stdout).toMatch(/globex\s+ok\s+pbxgw-globex\s+consent-pending/);
  // The Microsoft 365 tenant: verified with no emulated human step (only the deploy is emulated).
  expect(stdout).toContain('[EMULATED deploy] `GWKIT_TENANTS=contoso npx cdktn deploy contoso --outputs-file outputs.json`');
  expect(stdout).toMatch(
    /contoso\s+ok\s+3f2a9c1e-5b7d-4e8f-9a6b-1c2d3e4f5a6b\s+verified\s+application [0-9a-f-]{36}\s+the PBX read 12 user\(s\) through Graph/,
  );
  expect(stdout).not.toMatch(/EMULATED [^\]]*\] contoso/);
  expect(stdout).toContain('What was emulated, and what a real run needs instead');
}, 60_000);
