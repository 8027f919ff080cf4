/**
 * Claim only what was checked: a secret rotation where a person disables the NEW secret in the
 * Console by mistake, then the old one too. Every command that would call the tenant healthy, or
 * retire something, asks Google about the secret the PBX holds first. Through the CLI in-process
 * against the emulators (the Google emulator models a client with two secrets).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { consentEmulated } from '../../emulators/consent';
import { startSandbox, type Sandbox } from '../../emulators/sandbox';
import { pbxGoogleWrites, runExpect, versions } from '../cli/helpers';

let sb: Sandbox;
const SECRET_ID = 'gwkit-oauth-client';
const testMails = () => sb.pbx.state.requests.filter((r) => r.path === '/api/tenant/notification/test_email').length;
const rotationRecord = () => sb.google.state.secretAnnotations(sb.tenants.acme!.projectId, SECRET_ID)['gwkit-rotation'];

beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(async () => {
  await sb?.close();
});

test('the new secret disabled by mistake: nothing is retired, nothing says verified, and the way back works', async () => {
  // Day one: imported, written, consented, proven.
  const { clientId, clientSecret: oldSecret, file } = sb.createWebClient('acme');
  await runExpect(sb, ['client', 'import', '--tenant', 'acme', '--file', file], 0);
  const pd = await runExpect(sb, ['post-deploy', '--tenant', 'acme', '--json'], 3);
  expect(await consentEmulated(pd.json.tenants[0].result.consentUri, sb.caFile)).toMatchObject({ ok: true });
  await runExpect(sb, ['verify', '--tenant', 'acme'], 0);

  // The rotation up to "disable the old secret": new secret stored, written, consented, proven.
  const added = sb.google.addClientSecret(clientId);
  const rotated = join(sb.dir, 'rotated.json');
  writeFileSync(rotated, added.downloadJson);
  const written = await runExpect(sb, ['client', 'rotate', '--tenant', 'acme', '--file', rotated, '--json'], 3);
  const link = /opens (\S+) and allows access/.exec(written.json.result.nextAction)![1]!;
  expect(await consentEmulated(link, sb.caFile)).toMatchObject({ ok: true });
  expect((await runExpect(sb, ['client', 'rotate', '--tenant', 'acme', '--json'], 3)).json.result.step).toBe('disable-old-secret');

  // The mistake: the NEW secret is disabled. rotate must not say "the new secret works".
  sb.google.disableClientSecret(clientId, added.clientSecret);
  const recover = new RegExp(
    `^Google refuses the client secret of version 2 \\(invalid_client\\): was it disabled in the Console\\? ` +
      `Open https://console\\.cloud\\.google\\.com/auth/clients/${clientId}\\?project=pbxgw-acme and enable that secret again, then run the same command again; ` +
      `or choose "Add secret" there, download the client JSON and run \`npx gwkit client rotate --tenant acme --file <client_secret\\.json>\``,
  );
  const refused = await runExpect(sb, ['client', 'rotate', '--tenant', 'acme', '--json'], 1);
  expect(refused.json).toMatchObject({ ok: false, exitCode: 1, result: { step: 'broken', nextAction: expect.stringMatching(recover) } });
  expect(refused.stdout).not.toMatch(/disable the OLD secret/);
  const human = await runExpect(sb, ['client', 'rotate', '--tenant', 'acme'], 1);
  expect(human.stdout).toMatch(/rotation of client \S+: broken\nnext: Google refuses the client secret of version 2/);

  // status says broken, with the fix, and fails (a scheduled status must not stay green).
  const status = await runExpect(sb, ['status', '--tenant', 'acme', '--json'], 1);
  expect(status.json.tenants[0]).toMatchObject({
    exitCode: 1,
    result: { stage: 'broken', pbxVersion: 2, nextAction: expect.stringMatching(recover) },
  });
  expect(status.json.tenants[0].result.facts.at(-1)).toBe(
    'PBX holds version 2 of the client (read back); Google refuses that secret now (invalid_client at its token endpoint)',
  );
  // A report files it as broken, not as a setup still under way.
  const report = join(sb.dir, 'broken-report.json');
  await runExpect(sb, ['status', '--tenant', 'acme', '--report', report], 1);
  expect(JSON.parse(readFileSync(report, 'utf8')).tenants[0]).toMatchObject({
    tenant: 'acme',
    stage: 'broken',
    health: 'broken',
    result: 'failed',
  });

  // The person disables the old secret too: still nothing retired, no "finished", no exit 0.
  sb.google.disableClientSecret(clientId, oldSecret);
  const again = await runExpect(sb, ['client', 'rotate', '--tenant', 'acme', '--json'], 1);
  expect(again.json.result).toMatchObject({ step: 'broken', done: [] });
  expect(versions(sb, 'acme').map((v) => v.state)).toEqual(['ENABLED', 'ENABLED']);
  expect(rotationRecord()).toBeDefined();
  expect((await runExpect(sb, ['status', '--tenant', 'acme', '--json'], 1)).json.tenants[0].result.stage).toBe('broken');

  // The same rule in every command that would call the tenant healthy; none writes or mails.
  const mails = testMails();
  const writes = pbxGoogleWrites(sb);
  const verify = await runExpect(sb, ['verify', '--tenant', 'acme', '--json'], 1);
  expect(verify.json.tenants[0].result).toMatchObject({ verdict: 'secret-refused', ok: false, nextAction: expect.stringMatching(recover) });
  const rollout = await runExpect(sb, ['rollout', '--tenant', 'acme', '--verify', '--json'], 1);
  expect(rollout.json.tenants[0].result).toMatchObject({ stage: 'broken', nextAction: expect.stringMatching(recover) });
  const postDeploy = await runExpect(sb, ['post-deploy', '--tenant', 'acme', '--json'], 1);
  expect(postDeploy.json.tenants[0].result).toMatchObject({ stage: 'broken', changed: false });
  expect({ mails: testMails(), writes: pbxGoogleWrites(sb) }).toEqual({ mails, writes });

  // A PBX that masks the secret on read: the secret it holds is known from gwkit's record (version 2).
  sb.pbx.setBehaviour({ secretOnRead: 'masked' });
  try {
    const masked = await runExpect(sb, ['status', '--tenant', 'acme', '--json'], 1);
    expect(masked.json.tenants[0].result).toMatchObject({ stage: 'broken', pbxVersion: 2 });
    expect(masked.json.tenants[0].result.facts.at(-1)).toMatch(
      /^PBX holds version 2 of the client \(recorded .*; the PBX masks the secret\); Google refuses that secret now/,
    );
  } finally {
    sb.pbx.setBehaviour({ secretOnRead: 'echo' });
  }

  // The way back: the new secret enabled again. Now the rotation finishes, and status is verified.
  sb.google.enableClientSecret(clientId, added.clientSecret);
  const finished = await runExpect(sb, ['client', 'rotate', '--tenant', 'acme', '--json'], 0);
  expect(finished.json.result).toMatchObject({
    step: 'done',
    done: [
      'Google accepts the new secret the PBX holds (version 2)',
      'Google refuses the old secret',
      'disabled old version 1',
      'rotation finished',
    ],
  });
  expect(versions(sb, 'acme').map((v) => v.state)).toEqual(['DISABLED', 'ENABLED']);
  expect((await runExpect(sb, ['status', '--tenant', 'acme', '--json'], 0)).json.tenants[0].result).toMatchObject({
    stage: 'verified',
    pbxVersion: 2,
  });
  expect(sb.pbx.state.violations).toEqual([]);
});

test('status after a finished rotation: the only secret disabled later is broken, with the fix', async () => {
  // acme ends the test above rotated and verified; its one enabled secret is now the new one.
  const clientId = sb.pbx.googleSlot(sb.tenants.acme!.pbxTenantId).client_id;
  const secret = sb.pbx.googleSlot(sb.tenants.acme!.pbxTenantId).client_secret;
  sb.google.disableClientSecret(clientId, secret);
  try {
    const r = await runExpect(sb, ['status', '--tenant', 'acme'], 1);
    expect(r.stdout).toMatch(
      /acme\s+FAILED\s+pbxgw-acme\s+broken\s+version 2\s+PBX holds version 2 of the client \(read back\); Google refuses that secret now/,
    );
    expect(r.stdout).toMatch(
      /acme: next: Google refuses the client secret of version 2 \(invalid_client\): was it disabled in the Console\?/,
    );
  } finally {
    sb.google.enableClientSecret(clientId, secret);
  }
  await runExpect(sb, ['status', '--tenant', 'acme'], 0);
});
