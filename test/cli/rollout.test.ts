/**
 * `gwkit rollout`: each tenant as far as automation allows, from the stage it is found in, and
 * what is left for people. Sandbox: acme and initech-lab deployed, globex not.
 */
import { consentEmulated } from '../../emulators/consent';
import { startSandbox, type Sandbox } from '../../emulators/sandbox';
import { pbxGoogleWrites, runExpect, runInProcess } from './helpers';

let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox({ deployed: ['acme', 'initech-lab'] });
});
afterAll(async () => {
  await sb?.close();
});

const byTenant = (json: any) => Object.fromEntries(json.tenants.map((t: any) => [t.tenant, t]));

test('rollout takes every tenant as far as it can, and says who must do what next', async () => {
  const acme = sb.createWebClient('acme');
  await runExpect(sb, ['client', 'import', '--tenant', 'acme', '--file', acme.file], 0);

  // A dry run changes nothing.
  const writesBefore = pbxGoogleWrites(sb);
  const dry = byTenant((await runExpect(sb, ['rollout', '--all', '--dry-run', '--json'], 3)).json);
  expect(dry.acme.result).toMatchObject({
    from: 'client-registered',
    stage: 'client-registered',
    done: ['would write the client into the PBX (dry run)'],
  });
  expect(pbxGoogleWrites(sb)).toBe(writesBefore);

  const first = byTenant((await runExpect(sb, ['rollout', '--all', '--json'], 3)).json);
  expect(first.globex).toMatchObject({ exitCode: 3, result: { from: 'planned', stage: 'planned' } });
  expect(first.globex.nextAction).toContain('`GWKIT_TENANTS=globex npx cdktn deploy globex`');
  expect(first['initech-lab']).toMatchObject({ exitCode: 3, result: { from: 'provisioned', stage: 'provisioned' } });
  expect(first['initech-lab'].nextAction).toContain('gwkit client guide --tenant initech-lab');
  expect(first.acme).toMatchObject({
    exitCode: 3,
    result: { from: 'client-registered', stage: 'consent-pending', done: ['wrote the client into the PBX'] },
  });
  expect(first.acme.result.consentUri).toContain('/o/oauth2/v2/auth?client_id=');
  expect(pbxGoogleWrites(sb)).toBe(writesBefore + 1);

  // The administrator consents; rollout --verify proves it with exactly one test mail.
  expect((await consentEmulated(first.acme.result.consentUri, sb.caFile)).ok).toBe(true);
  const mails = sb.pbx.state.outbox.length;
  const second = byTenant((await runExpect(sb, ['rollout', '--all', '--verify', '--json'], 3)).json);
  expect(second.acme).toMatchObject({ exitCode: 0, result: { from: 'consent-pending', stage: 'verified' } });
  expect(second.acme.result.done).toEqual(['PBX already held the client', 'test mail to it-support@msp.example sent through Gmail']);
  expect(sb.pbx.state.outbox.length).toBe(mails + 1);
  // Nothing was rewritten the second time.
  expect(pbxGoogleWrites(sb)).toBe(writesBefore + 1);
});

test('rollout needs --tenant or --all, and a sane --concurrency', async () => {
  expect((await runInProcess(sb, ['rollout'])).code).toBe(2);
  const r = await runInProcess(sb, ['rollout', '--all', '--concurrency', '0']);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('--concurrency must be a whole number from 1 to 64');
});
