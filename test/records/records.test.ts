/** gwkit's records on the credential secret, parsed by their schemas (lib/records): pure, no store. */
import { isFor, parseRecords, RECORDS } from '../../lib/records';

const where = { pbx: 'https://pbx.example:8887/api', target: 'domain:acme.pbx.test' };
const applied = { ...where, version: 3, clientId: '1-a.apps.googleusercontent.com', at: '2026-11-28T12:00:00.000Z' };
const proof = { ...where, version: 3, at: '2026-11-28T12:05:00.000Z' };
const checked = { clientId: applied.clientId, redirectUris: ['https://pbx.example/cb'], at: '2026-11-27T09:00:00.000Z' };
const rotation = { clientId: applied.clientId, fromVersion: 2, toVersion: 3, startedAt: '2026-11-28T11:00:00.000Z' };
const annotate = (records: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(records).map(([kind, value]) => [
      RECORDS[kind as keyof typeof RECORDS].key,
      typeof value === 'string' ? value : JSON.stringify(value),
    ]),
  );

test('each record round-trips under its annotation key; other annotations are not records', () => {
  expect(Object.values(RECORDS).map((r) => r.key)).toEqual([
    'gwkit-pbx-applied',
    'gwkit-last-proof',
    'gwkit-client-checked',
    'gwkit-rotation',
  ]);
  expect(parseRecords({ ...annotate({ applied, proof, checked, rotation }), 'team-owner': 'ops' })).toEqual({
    applied,
    proof,
    checked,
    rotation,
  });
  expect(parseRecords({})).toEqual({ applied: undefined, proof: undefined, checked: undefined, rotation: undefined });
});

test('an annotation its schema refuses counts as no record (hand-written, another tool, cut short)', () => {
  const bad = parseRecords(
    annotate({
      applied: { ...applied, version: '3' },
      proof: '{"pbx":',
      checked: { clientId: 7, redirectUris: [] },
      rotation: { ...rotation, fromVersion: undefined },
    }),
  );
  expect(bad).toEqual({ applied: undefined, proof: undefined, checked: undefined, rotation: undefined });
  expect(parseRecords(annotate({ applied: [applied] })).applied).toBeUndefined();
});

test('lenient where the hand-written parsers were: a missing time reads as unknown, a proof without a number version has none, extra fields are dropped', () => {
  const { at: _at, ...noTime } = applied;
  expect(parseRecords(annotate({ applied: { ...noTime, extra: 'x' } })).applied).toEqual({ ...noTime, at: '' });
  expect(parseRecords(annotate({ proof: { ...proof, version: 'three' } })).proof).toEqual({
    pbx: where.pbx,
    target: where.target,
    at: proof.at,
  });
  expect(parseRecords(annotate({ checked: { ...checked, redirectUris: ['https://a', 42] } })).checked?.redirectUris).toEqual([
    'https://a',
    '42',
  ]);
});

test('a record vouches only for the PBX tenant it was made for', () => {
  expect(isFor(applied, where)).toBe(true);
  expect(isFor(applied, { ...where, target: 'domain:acme.pbx.test id:7' })).toBe(false);
  expect(isFor(undefined, where)).toBe(false);
});
