import { ClientCredentialStore, getProject, enabledServices } from '../../lib/google';
import { RemoteError } from '../../lib/errors';
import { CredentialRecords } from '../../lib/records';
import { PROJECT_ID, SECRET_ID, startFixture, type Fixture } from './fixture';

let fx: Fixture;
let store: ClientCredentialStore;
let records: CredentialRecords;
beforeAll(async () => {
  fx = await startFixture();
  store = new ClientCredentialStore(fx.auth, { endpoints: fx.emu.endpoints });
  records = new CredentialRecords(store);
});
afterAll(() => fx?.emu.close());

const PAIR = { clientId: '123456789012-abc.apps.googleusercontent.com', clientSecret: 'GOCSPX-very-secret-value' };

test('ADC authorized_user refreshes against the emulator token endpoint', async () => {
  const { token } = await fx.auth.getAccessToken().then((t) => ({ token: t }));
  expect(token).toMatch(/^ya29\.emu-/);
  const refresh = fx.emu.state.requests.find((r) => r.path === '/token');
  expect(refresh?.detail).toMatchObject({ grant_type: 'refresh_token' });
});

test('secret without a version: accessLatest is undefined', async () => {
  await expect(store.accessLatest(fx.secretName)).resolves.toBeUndefined();
});

test('addVersion / accessLatest round trip; versions named with the project number', async () => {
  const { version } = await store.addVersion(fx.secretName, PAIR);
  expect(version).toBe(`projects/123456789012/secrets/${SECRET_ID}/versions/1`);
  await expect(store.accessLatest(fx.secretName)).resolves.toEqual({ ...PAIR, version: 1 });
  const stored = fx.emu.state.secretVersions(PROJECT_ID, SECRET_ID);
  expect(JSON.parse(stored[0]!.payload)).toEqual({ client_id: PAIR.clientId, client_secret: PAIR.clientSecret });
  // The request log never holds the secret.
  expect(JSON.stringify(fx.emu.state.requests)).not.toContain(PAIR.clientSecret);
  expect(JSON.stringify(fx.emu.state.requests)).not.toContain(Buffer.from(PAIR.clientSecret).toString('base64').slice(0, 12));
});

test('latest disabled: falls back to the newest enabled version', async () => {
  const second = { ...PAIR, clientSecret: 'GOCSPX-second' };
  await store.addVersion(fx.secretName, second);
  fx.emu.setSecretVersionState(PROJECT_ID, SECRET_ID, 2, 'DISABLED');
  await expect(store.accessLatest(fx.secretName)).resolves.toEqual({ ...PAIR, version: 1 });
  fx.emu.setSecretVersionState(PROJECT_ID, SECRET_ID, 2, 'ENABLED');
  await expect(store.accessLatest(fx.secretName)).resolves.toEqual({ ...second, version: 2 });
});

test('the record of what the PBX holds lives in an annotation; a newer record replaces it; every write is a PATCH', async () => {
  await expect(records.read(fx.secretName)).resolves.toEqual({ applied: undefined, proof: undefined });
  const record = { version: 2, clientId: PAIR.clientId, pbx: 'https://pbx.example:8887/api', target: 'domain:acme.pbx.test', at: '2026-11-28T12:00:00.000Z' };
  await records.recordApplied(fx.secretName, record);
  await expect(records.read(fx.secretName)).resolves.toEqual({ applied: record, proof: undefined });
  const annotations = fx.emu.state.secretAnnotations(PROJECT_ID, SECRET_ID);
  expect(Object.keys(annotations)).toEqual(['gwkit-pbx-applied']);
  // The record holds no secret: only the version number, client id and where it went.
  expect(annotations['gwkit-pbx-applied']).not.toContain('GOCSPX');
  await records.recordApplied(fx.secretName, { ...record, version: 3 });
  const proof = { at: '2026-11-28T12:05:00.000Z', pbx: record.pbx, target: record.target, version: 3 };
  await records.recordProof(fx.secretName, proof);
  // Each record keeps the other: every write re-reads the annotations and sends the etag.
  await expect(records.read(fx.secretName)).resolves.toEqual({ applied: { ...record, version: 3 }, proof });
  // Every patch carried the etag it read (so a concurrent writer is never overwritten blindly).
  const patches = fx.emu.state.requests.filter((r) => r.method === 'PATCH');
  expect(patches).toHaveLength(3);
});

test('missing secret: RemoteError says the stack is probably not deployed', async () => {
  const name = `projects/${PROJECT_ID}/secrets/nope`;
  const err = await store.accessLatest(name).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(RemoteError);
  expect((err as Error).message).toContain(name);
  expect((err as Error).message).toMatch(/404 NOT_FOUND/);
  expect((err as Error).message).toMatch(/not deployed/);
  await expect(store.addVersion(name, PAIR)).rejects.toThrow(/not deployed/);
});

test('Secret Manager API disabled: retryable RemoteError mentioning propagation, no secret in message', async () => {
  fx.emu.setServiceEnabled(PROJECT_ID, 'secretmanager.googleapis.com', false);
  try {
    const err = (await store.addVersion(fx.secretName, PAIR).catch((e: unknown) => e)) as RemoteError;
    expect(err).toBeInstanceOf(RemoteError);
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/403 SERVICE_DISABLED/);
    expect(err.message).toMatch(/propagat/);
    expect(err.message).not.toContain(PAIR.clientSecret);
    expect(JSON.stringify(err.cause)).not.toContain(PAIR.clientSecret);
  } finally {
    fx.emu.setServiceEnabled(PROJECT_ID, 'secretmanager.googleapis.com', true);
  }
});

test('unknown project: Secret Manager answers 403 PERMISSION_DENIED', async () => {
  const err = (await store.accessLatest('projects/ghost-project/secrets/x').catch((e: unknown) => e)) as RemoteError;
  expect(err.message).toMatch(/403 IAM_PERMISSION_DENIED|403 PERMISSION_DENIED/);
  expect(err.message).toContain('projects/ghost-project/secrets/x');
});

test('Service Usage batchGet and Resource Manager get', async () => {
  fx.emu.setServiceEnabled(PROJECT_ID, 'people.googleapis.com', false);
  await expect(
    enabledServices(fx.auth, PROJECT_ID, ['gmail.googleapis.com', 'people.googleapis.com'], { endpoints: fx.emu.endpoints }),
  ).resolves.toEqual({ 'gmail.googleapis.com': true, 'people.googleapis.com': false });
  await expect(getProject(fx.auth, PROJECT_ID, { endpoints: fx.emu.endpoints })).resolves.toEqual({
    projectId: PROJECT_ID,
    projectNumber: '123456789012',
    state: 'ACTIVE',
  });
  await expect(getProject(fx.auth, 'ghost-project', { endpoints: fx.emu.endpoints })).resolves.toBeUndefined();
  await expect(enabledServices(fx.auth, 'ghost-project', ['gmail.googleapis.com'], { endpoints: fx.emu.endpoints })).rejects.toThrow(
    /ghost-project.*403/,
  );
});

test('API enabled moments ago: SERVICE_DISABLED while propagating, then success with propagationWaitMs', async () => {
  fx.emu.setServiceEnabled(PROJECT_ID, 'secretmanager.googleapis.com', true, { propagationMs: 400 });
  const patient = new ClientCredentialStore(fx.auth, {
    endpoints: fx.emu.endpoints,
    retry: { propagationWaitMs: 5_000, initialDelayMs: 100 },
  });
  const started = Date.now();
  await expect(patient.accessLatest(fx.secretName)).resolves.toMatchObject({ clientId: PAIR.clientId });
  expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  const disabled = fx.emu.state.requests.filter((r) => r.status === 403 && r.path.includes('/secrets/'));
  expect(disabled.length).toBeGreaterThan(0);
});
