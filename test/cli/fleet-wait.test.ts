/**
 * One tenant never stops the others: `post-deploy --wait` over several tenants, where one
 * tenant's proof fails outright (a 5xx on its test mail). That tenant fails; the others' waits go
 * on to their own ends, and every tenant is reported. Through the CLI in-process against the sandbox.
 */
import { consentEmulated } from '../../emulators/consent';
import { startSandbox, type Sandbox } from '../../emulators/sandbox';
import { runExpect } from './helpers';

let sb: Sandbox;

beforeAll(async () => {
  sb = await startSandbox();
  for (const t of Object.keys(sb.tenants))
    await runExpect(sb, ['client', 'import', '--tenant', t, '--file', sb.createWebClient(t).file], 0);
  // Written and consented, not proven yet: each is still waiting for its test mail.
  const pd = await runExpect(sb, ['post-deploy', '--all', '--json'], 3);
  for (const o of pd.json.tenants) expect(await consentEmulated(o.result.consentUri, sb.caFile)).toMatchObject({ ok: true });
});
afterAll(async () => {
  await sb?.close();
});

test("post-deploy --wait: a 5xx on one tenant's test mail fails that tenant only; the others are proven and reported", async () => {
  sb.pbx.failNext('POST', '/tenant/notification/test_email', 500, 1, { tenant: sb.tenants.acme!.pbxTenantId });
  const r = await runExpect(sb, ['post-deploy', '--all', '--wait', '--timeout', '1', '--interval', '2', '--json'], 1);
  const byTenant = Object.fromEntries(r.json.tenants.map((o: { tenant: string }) => [o.tenant, o]));
  expect(Object.keys(byTenant).sort()).toEqual(['acme', 'globex', 'initech-lab']);
  // acme: its proof failed, named; what post-deploy did for it is kept.
  expect(byTenant.acme).toMatchObject({
    exitCode: 1,
    error: expect.stringMatching(/HTTP 500/),
    result: { stage: 'consent-pending', changed: false },
  });
  // initech-lab: proven by its own test mail, recorded for status.
  expect(byTenant['initech-lab']).toMatchObject({ exitCode: 0, result: { stage: 'verified', verification: { verdict: 'verified' } } });
  expect(
    JSON.parse(sb.google.state.secretAnnotations(sb.tenants['initech-lab']!.projectId, 'gwkit-oauth-client')['gwkit-last-proof']!),
  ).toMatchObject({ version: 1 });
  // globex: mail via SMTP; waiting on a person, as without the failure.
  expect(byTenant.globex).toMatchObject({ exitCode: 3, result: { verification: { verdict: 'not-gmail' } } });

  // The failure was acme's alone: run again, it is proven too.
  const again = await runExpect(sb, ['post-deploy', '--tenant', 'acme', '--wait', '--timeout', '1', '--interval', '2', '--json'], 0);
  expect(again.json.tenants[0].result).toMatchObject({ stage: 'verified' });
});
