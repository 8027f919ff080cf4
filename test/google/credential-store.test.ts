import { ClientCredentialStore, getProject, enabledServices } from '../../lib/google';
import { RemoteError } from '../../lib/errors';
import { CredentialRecords } from '../../lib/records';
import { manualClock } from '../support/virtual-clock';
import { PROJECT_ID, SECRET_ID, startFixture, type Fixture } from './fixture';

/** API enablement propagates on this clock, and the store's retries wait on it: no real waiting. */
const clock = manualClock();
let fx: Fixture;
let store: ClientCredentialStore;
let records: CredentialRecords;
beforeAll(async () => {
  fx = await startFixture({ now: clock.now });
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
  const record = {
    version: 2,
    clientId: PAIR.clientId,
    pbx: 'https://pbx.example:8887/api',
    target: 'domain:acme.pbx.test',
    at: '2026-11-28T12:00:00.000Z',
  };
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

/** Another writer changes the secret right after each of our next `times` reads of it. */
function raceAfterReads(times: number): { restore(): void } {
  const secret = fx.emu.state.secret(fx.emu.state.project(PROJECT_ID)!, SECRET_ID)!;
  const log = fx.emu.state.requests;
  log.push = (...entries) => {
    const n = Array.prototype.push.apply(log, entries);
    if (times > 0 && entries.some((e) => e.method === 'GET' && e.path.endsWith(`/secrets/${SECRET_ID}`))) {
      times--;
      secret.annotations = { ...secret.annotations, [`other-writer-${times}`]: 'x' };
      secret.revision = (secret.revision ?? 0) + 1;
    }
    return n;
  };
  return { restore: () => void delete (log as { push?: unknown }).push };
}

describe('another writer changes the secret between our read and our write', () => {
  const patches = (from: number) =>
    fx.emu.state.requests
      .slice(from)
      .filter((r) => r.method === 'PATCH')
      .map((r) => r.status);
  afterEach(async () => {
    for (const key of ['ours', 'other-writer-0', 'other-writer-1', 'other-writer-2', 'other-writer-3'])
      await store.annotate(fx.secretName, key, undefined, 'cleanup');
  });

  test('twice: the stale etag is refused, we read again, every change survives', async () => {
    const from = fx.emu.state.requests.length;
    const race = raceAfterReads(2);
    await store.annotate(fx.secretName, 'ours', 'y', 'our note').finally(race.restore);
    expect(fx.emu.state.secretAnnotations(PROJECT_ID, SECRET_ID)).toMatchObject({
      'other-writer-1': 'x',
      'other-writer-0': 'x',
      ours: 'y',
    });
    expect(patches(from)).toEqual([400, 400, 200]);
  });

  test('four times: after three reads again it gives up, naming what it was recording', async () => {
    const from = fx.emu.state.requests.length;
    const race = raceAfterReads(4);
    const err = await store
      .annotate(fx.secretName, 'ours', 'y', 'our note')
      .catch((e: unknown) => e)
      .finally(race.restore);
    expect(err).toBeInstanceOf(RemoteError);
    expect((err as Error).message).toMatch(/recording our note on secret projects\/.*: 400 FAILED_PRECONDITION/);
    expect(fx.emu.state.secretAnnotations(PROJECT_ID, SECRET_ID).ours).toBeUndefined();
    expect(patches(from)).toEqual([400, 400, 400, 400]);
  });
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
    retry: { propagationWaitMs: 5_000, initialDelayMs: 100, clock },
  });
  const from = fx.emu.state.requests.length;
  const started = clock.now();
  await expect(patient.accessLatest(fx.secretName)).resolves.toMatchObject({ clientId: PAIR.clientId });
  expect(clock.now() - started).toBeGreaterThanOrEqual(300);
  // Refused at 0, 100 and 300 ms (the waits double), through at 700 ms.
  const disabled = fx.emu.state.requests.slice(from).filter((r) => r.status === 403 && r.path.includes('/secrets/'));
  expect(disabled.length).toBe(3);
  expect(clock.now() - started).toBe(700);
});

test('still propagating when the wait is over: the SERVICE_DISABLED error, after waits that fit in it', async () => {
  fx.emu.setServiceEnabled(PROJECT_ID, 'secretmanager.googleapis.com', true, { propagationMs: 60_000 });
  const from = fx.emu.state.requests.length;
  const patient = new ClientCredentialStore(fx.auth, {
    endpoints: fx.emu.endpoints,
    retry: { propagationWaitMs: 20_000, initialDelayMs: 2_000, clock },
  });
  const started = clock.now();
  const err = (await patient.accessLatest(fx.secretName).catch((e: unknown) => e)) as RemoteError;
  expect(err).toBeInstanceOf(RemoteError);
  expect(err.message).toMatch(/SERVICE_DISABLED.*propagat/);
  expect(err.retryable).toBe(true);
  // Waits of 2, 4 and 8 s fit in 20 s; the next (15 s, the cap) would not.
  expect(clock.now() - started).toBe(14_000);
  expect(fx.emu.state.requests.slice(from).filter((r) => r.status === 403)).toHaveLength(4);
  fx.emu.setServiceEnabled(PROJECT_ID, 'secretmanager.googleapis.com', true);
});
