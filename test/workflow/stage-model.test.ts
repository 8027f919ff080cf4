/** The stage model on its own: derivation from what the PBX and the records say, drift, exit codes. */
import { join } from 'node:path';
import { loadFleet } from '../../lib/config';
import { ExitCode } from '../../lib/errors';
import {
  deriveView,
  exitCodeOfStage,
  exitCodeOfStatus,
  exitCodeOfVerdict,
  fleetExitCode,
  pbxSideView,
  planNext,
} from '../../lib/workflow/stage-model';

const fleet = loadFleet(join(__dirname, '../../gwkit.yaml'));
const acme = fleet.tenants.find((t) => t.id === 'acme')!;
const stored = { clientId: '1-a.apps.googleusercontent.com', clientSecret: 'GOCSPX-a', version: 2 };
const where = { pbx: acme.pbx!.apiUrl, target: 'domain:acme.pbx.msp.example' };
const side = (records = {}) => ({ facts: [], stored, records });
const onPbx = (over: Record<string, string> = {}) => ({
  client_id: stored.clientId,
  client_secret: stored.clientSecret,
  redirect_uri: 'https://pbx.msp.example:8887/google/callback',
  auth_consent_uri: `https://accounts.google.com/o/oauth2/v2/auth?client_id=${stored.clientId}&state=s`,
  ...over,
});

test('stages follow what the PBX holds, whether it offers a consent link, and whether a proof covers this version', () => {
  expect(pbxSideView(acme, side(), onPbx({ client_id: '' }))).toMatchObject({
    stage: 'client-registered',
    nextAction: '`npx gwkit post-deploy --tenant acme`',
  });
  expect(pbxSideView(acme, side(), onPbx({ auth_consent_uri: '' }))).toMatchObject({ stage: 'pbx-configured' });
  expect(pbxSideView(acme, side(), onPbx())).toMatchObject({
    stage: 'consent-pending',
    nextAction: expect.stringContaining('`npx gwkit verify --tenant acme`'),
  });
  const proof = { ...where, version: 2, at: new Date().toISOString() };
  expect(pbxSideView(acme, side({ proof }), onPbx())).toMatchObject({ stage: 'verified', lastProof: proof.at });
  // A proof of an older version, or of another PBX tenant, does not count.
  expect(pbxSideView(acme, side({ proof: { ...proof, version: 1 } }), onPbx()).stage).toBe('consent-pending');
  expect(pbxSideView(acme, side({ proof: { ...proof, target: 'domain:other.example' } }), onPbx()).stage).toBe('consent-pending');
});

test('drift: a consent link that names another client', () => {
  const view = pbxSideView(
    acme,
    side(),
    onPbx({ auth_consent_uri: 'https://accounts.google.com/o/oauth2/v2/auth?client_id=9-old.apps.googleusercontent.com' }),
  );
  expect(view.drift).toEqual([`the PBX's consent link is for client 9-old.apps.googleusercontent.com, not ${stored.clientId}`]);
});

test('a secret Google refuses now outweighs a recorded proof: broken, with the Console fix', () => {
  const refused = { kind: 'refused', version: stored.version, verdict: 'invalid_client', pbxHoldsStored: true } as const;
  const proof = { ...where, version: 2, at: new Date().toISOString() };
  expect(pbxSideView(acme, side({ proof }), onPbx(), Date.now(), { kind: 'accepted', version: 2 }).stage).toBe('verified');
  const view = pbxSideView(acme, side({ proof }), onPbx(), Date.now(), refused);
  expect(view).toMatchObject({
    stage: 'broken',
    pbxVersion: stored.version,
    nextAction: expect.stringMatching(
      /^Google refuses the client secret of version \d+ \(invalid_client\): was it disabled in the Console\?/,
    ),
  });
  expect(exitCodeOfStatus(view)).toBe(ExitCode.Failed);
  expect(exitCodeOfStatus({ stage: 'consent-pending' })).toBe(ExitCode.Ok);
});

test('exit codes: verified is done, broken failed, every other stage waits on a person; verdicts; fleet precedence', () => {
  expect(exitCodeOfStage('broken')).toBe(ExitCode.Failed);
  expect(exitCodeOfVerdict('secret-refused')).toBe(ExitCode.Failed);
  expect(
    ['planned', 'provisioned', 'client-registered', 'pbx-configured', 'consent-pending'].map((s) => exitCodeOfStage(s as never)),
  ).toEqual(Array(5).fill(ExitCode.WaitingOnPerson));
  expect(exitCodeOfStage('verified')).toBe(ExitCode.Ok);
  expect(exitCodeOfVerdict('consent-missing')).toBe(ExitCode.WaitingOnPerson);
  expect(exitCodeOfVerdict('not-gmail')).toBe(ExitCode.WaitingOnPerson);
  expect(exitCodeOfVerdict('authorization-expired')).toBe(ExitCode.Failed);
  expect(exitCodeOfVerdict('mail-failed')).toBe(ExitCode.Failed);
  expect(fleetExitCode([{ exitCode: 3 }, { exitCode: 2 }, { exitCode: 0 }])).toBe(2);
  expect(fleetExitCode([{ exitCode: 3 }, { exitCode: 1 }, { exitCode: 2 }])).toBe(1);
});

describe('facts → view → plan (deriveView, planNext)', () => {
  const proof = { ...where, version: 2, at: new Date().toISOString() };
  const facts = (over: Partial<Parameters<typeof deriveView>[1]> = {}) => ({
    side: side({ proof }),
    onPbx: onPbx(),
    now: Date.now(),
    ...over,
  });

  test('a recorded proof means verified only when nothing was written in this run', () => {
    expect(deriveView(acme, facts()).view.stage).toBe('verified');
    expect(deriveView(acme, facts({ writtenNow: true })).view.stage).toBe('consent-pending');
  });

  test('the caller that just wrote the client knows what the PBX holds, whatever the (older) record says', () => {
    const masked = onPbx({ client_secret: '********' });
    expect(deriveView(acme, facts({ onPbx: masked })).view.stage).toBe('client-registered');
    expect(deriveView(acme, facts({ onPbx: masked, verdict: { kind: 'current', how: 'recorded' } })).view.stage).toBe('verified');
  });

  test('each command says the consent step in its own words; a drift fix comes first for all of them, even when verified', () => {
    const pending = deriveView(acme, facts({ side: side() }));
    expect(planNext(acme, pending, 'status')).toMatch(
      /^consent at the link if not done yet, then prove it: `npx gwkit verify --tenant acme`$/,
    );
    expect(planNext(acme, pending, 'post-deploy')).toMatch(
      /^a Google Workspace administrator opens https:\/\/accounts\.google\.com\S+ and allows access; then `npx gwkit verify --tenant acme`$/,
    );
    expect(planNext(acme, pending, 'rotate')).toMatch(
      /^the PBX needs the Google authorization again: .*then `npx gwkit client rotate --tenant acme`$/,
    );
    const checked = {
      clientId: stored.clientId,
      redirectUris: ['https://pbx.msp.example:8887/google/callback'],
      at: '2026-01-01T00:00:00.000Z',
    };
    const sbc = onPbx({ sbc_redirect_uri: 'https://sbc.msp.example/google/callback' });
    for (const records of [{ checked }, { checked, proof }]) {
      const drifted = deriveView(acme, facts({ side: side(records), onPbx: sbc }));
      for (const planner of ['status', 'post-deploy', 'rotate'] as const) {
        expect(planNext(acme, drifted, planner)).toMatch(
          /^add https:\/\/sbc\.msp\.example\/google\/callback to the client's authorized redirect URIs/,
        );
      }
    }
  });

  test('a verified tenant without drift has nothing left to do', () => {
    expect(planNext(acme, deriveView(acme, facts()), 'post-deploy')).toBeUndefined();
  });
});
