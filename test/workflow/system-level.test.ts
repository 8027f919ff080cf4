/**
 * The system-level integration (/admin/google: mail only, shared by tenants) end to end, like the
 * tenant level: guide, import, post-deploy, consent, verify, status, teardown.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consentEmulated } from '../../emulators/consent';
import { startSandbox, type Sandbox } from '../../emulators/sandbox';
import { pbxGoogleWrites, runExpect } from '../cli/helpers';
import { fleetHeader } from '../support/fleet-yaml';

let sb: Sandbox;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gwkit-system-'));
  const fleet = join(dir, 'gwkit.yaml');
  writeFileSync(
    fleet,
    [
      ...fleetHeader(
        '  consentScreen: { supportEmail: noc@msp.example, audience: internal }',
        '  pbx: { url: "https://pbx.msp.example:8887", level: system, login: { username: admin } }',
        '  mail: { switchToGmail: true }',
      ),
      'tenants:',
      '  - id: pbx-wide',
      '    pbxTenant: { domain: pbx.msp.example }',
      '    features: [mail]',
      '',
    ].join('\n'),
  );
  sb = await startSandbox({ fleetConfig: fleet });
});
afterAll(async () => {
  await sb?.close();
});

test('guide (Internal audience), import, post-deploy, consent, verify, status and teardown at the system level', async () => {
  const guide = await runExpect(sb, ['client', 'guide', '--tenant', 'pbx-wide'], 0);
  expect(guide.stdout).toMatch(/User type: Internal \(consentScreen\.audience: internal/);
  const client = sb.createWebClient('pbx-wide');
  await runExpect(sb, ['client', 'import', '--tenant', 'pbx-wide', '--file', client.file], 0);

  const pd = await runExpect(sb, ['post-deploy', '--tenant', 'pbx-wide', '--json'], 3);
  // Written into the system slot (/admin/google), not into a tenant's.
  expect(sb.pbx.googleSlot().client_id).toBe(client.clientId);
  expect(sb.pbx.state.requests.filter((r) => r.method === 'POST' && r.path === '/api/admin/google')).toHaveLength(1);
  expect(pbxGoogleWrites(sb)).toBe(1);
  expect(await consentEmulated(pd.json.tenants[0].result.consentUri, sb.caFile)).toMatchObject({ ok: true });

  await runExpect(sb, ['verify', '--tenant', 'pbx-wide'], 0);
  expect(sb.pbx.state.outbox).toEqual([expect.objectContaining({ tenant: undefined, via: 'GMAIL', recipient: 'noc@msp.example' })]);
  const status = await runExpect(sb, ['status', '--json'], 0);
  expect(status.json.tenants[0].result).toMatchObject({ stage: 'verified', pbxVersion: 1 });

  const down = await runExpect(sb, ['teardown', '--tenant', 'pbx-wide', '--yes', '--json'], 3);
  expect(down.json.result.done[0]).toBe("stop the PBX's Google integration (POST /admin/google/destroy)");
  expect(sb.pbx.googleSlot().client_id).toBe('');
  expect(sb.pbx.state.violations).toEqual([]);
});
