/** The stage model on its own: derivation from what the PBX and the records say, drift, exit codes. */
import { join } from 'node:path';
import { loadFleet } from '../../lib/config';
import { ExitCode } from '../../lib/errors';
import { exitCodeOfStage, exitCodeOfStatus, exitCodeOfVerdict, fleetExitCode, pbxSideView } from '../../lib/workflow/stage-model';

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
  expect(pbxSideView(acme, side(), onPbx({ client_id: '' }))).toMatchObject({ stage: 'client-registered', nextAction: '`npx gwkit post-deploy --tenant acme`' });
  expect(pbxSideView(acme, side(), onPbx({ auth_consent_uri: '' }))).toMatchObject({ stage: 'pbx-configured' });
  expect(pbxSideView(acme, side(), onPbx())).toMatchObject({ stage: 'consent-pending', nextAction: expect.stringContaining('`npx gwkit verify --tenant acme`') });
  const proof = { ...where, version: 2, at: new Date().toISOString() };
  expect(pbxSideView(acme, side({ proof }), onPbx())).toMatchObject({ stage: 'verified', lastProof: proof.at });
  // A proof of an older version, or of another PBX tenant, does not count.
  expect(pbxSideView(acme, side({ proof: { ...proof, version: 1 } }), onPbx()).stage).toBe('consent-pending');
  expect(pbxSideView(acme, side({ proof: { ...proof, target: 'domain:other.example' } }), onPbx()).stage).toBe('consent-pending');
});

test('drift: a consent link that names another client', () => {
  const view = pbxSideView(acme, side(), onPbx({ auth_consent_uri: 'https://accounts.google.com/o/oauth2/v2/auth?client_id=9-old.apps.googleusercontent.com' }));
  expect(view.drift).toEqual([`the PBX's consent link is for client 9-old.apps.googleusercontent.com, not ${stored.clientId}`]);
});

test('a secret Google refuses now outweighs a recorded proof: broken, with the Console fix', () => {
  const refused = { kind: 'refused', version: stored.version, verdict: 'invalid_client', pbxHoldsStored: true } as const;
  const proof = { ...where, version: 2, at: new Date().toISOString() };
  expect(pbxSideView(acme, side({ proof }), onPbx(), Date.now(), { kind: 'accepted', version: 2 }).stage).toBe('verified');
  const view = pbxSideView(acme, side({ proof }), onPbx(), Date.now(), refused);
  expect(view).toMatchObject({ stage: 'broken', pbxVersion: stored.version, nextAction: expect.stringMatching(/^Google refuses the client secret of version \d+ \(invalid_client\): was it disabled in the Console\?/) });
  expect(exitCodeOfStatus(view)).toBe(ExitCode.Failed);
  expect(exitCodeOfStatus({ stage: 'consent-pending' })).toBe(ExitCode.Ok);
});

test('exit codes: verified is done, broken failed, every other stage waits on a person; verdicts; fleet precedence', () => {
  expect(exitCodeOfStage('broken')).toBe(ExitCode.Failed);
  expect(exitCodeOfVerdict('secret-refused')).toBe(ExitCode.Failed);
  expect(['planned', 'provisioned', 'client-registered', 'pbx-configured', 'consent-pending'].map((s) => exitCodeOfStage(s as never))).toEqual(Array(5).fill(ExitCode.WaitingOnPerson));
  expect(exitCodeOfStage('verified')).toBe(ExitCode.Ok);
  expect(exitCodeOfVerdict('consent-missing')).toBe(ExitCode.WaitingOnPerson);
  expect(exitCodeOfVerdict('not-gmail')).toBe(ExitCode.WaitingOnPerson);
  expect(exitCodeOfVerdict('authorization-expired')).toBe(ExitCode.Failed);
  expect(exitCodeOfVerdict('mail-failed')).toBe(ExitCode.Failed);
  expect(fleetExitCode([{ exitCode: 3 }, { exitCode: 2 }, { exitCode: 0 }])).toBe(2);
  expect(fleetExitCode([{ exitCode: 3 }, { exitCode: 1 }, { exitCode: 2 }])).toBe(1);
});
