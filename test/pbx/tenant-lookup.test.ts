/**
 * Which PBX tenant a reference names, and whether gwkit may enter it (lib/pbx/tenant-lookup.ts,
 * lib/naming/sip-domain.ts): directly on tenant lists, and through a system administrator's
 * session against the emulator, where a disabled tenant must not even be switched to.
 */
import type { PbxEmulator } from '../../emulators/pbx';
import { PbxTenantNotLiveError, PbxTenantRefError, pickTenant, type TenantSummary } from '../../lib/pbx';
import { describeSipDomain, lookAlikeDifference, sameSipDomain, sipDomainKey, sipDomainProblem } from '../../lib/naming/sip-domain';
import { connection, openTenantSession, startPbx } from './helpers';

const PBX = 'https://pbx.example/api';
const list = (...items: Partial<TenantSummary>[]) => items as TenantSummary[];

describe('SIP domains: one identity in any case and spelling (WHATWG domainToASCII)', () => {
  test.each([
    ['acme.example.com', 'ACME.Example.COM'],
    ['bücher.example', 'xn--bcher-kva.example'],
    ['BÜCHER.example', 'XN--BCHER-KVA.EXAMPLE'],
    ['ﬁle.example', 'file.example'], // UTS #46 maps the ligature
  ])('%s is %s', (a, b) => {
    expect(sameSipDomain(a, b)).toBe(true);
    expect(sipDomainKey(a)).toBe(sipDomainKey(b));
  });

  test.each([
    ['аcme.example', 'acme.example', '"а" (U+0430) where the other has "a" (U+0061)'], // Cyrillic а
    ['acme.example', 'аcme.example', '"a" (U+0061) where the other has "а" (U+0430)'],
    ['bücher.example', 'bucher.example', '"ü" (U+00FC) where the other has "u" (U+0075)'],
  ])('%s only looks like %s', (a, b, diff) => {
    expect(sameSipDomain(a, b)).toBe(false);
    expect(lookAlikeDifference(a, b)).toBe(diff);
  });

  test('not look-alikes: the same domain, other lengths, ASCII-only differences', () => {
    expect(lookAlikeDifference('bücher.example', 'xn--bcher-kva.example')).toBeUndefined();
    expect(lookAlikeDifference('acme.example', 'acne.example')).toBeUndefined();
    expect(lookAlikeDifference('acme.example', 'aсme.example.org')).toBeUndefined();
  });

  test('shown as written, with the other spelling', () => {
    expect(describeSipDomain('bücher.example')).toBe("'bücher.example' (xn--bcher-kva.example)");
    expect(describeSipDomain('xn--bcher-kva.example')).toBe("'xn--bcher-kva.example' (bücher.example)");
    expect(describeSipDomain('ACME.example')).toBe("'ACME.example'");
  });

  test('gwkit.yaml: host names and IP addresses pass; spaces and broken punycode do not', () => {
    for (const ok of ['pbx.example.com', 'bücher.example', 'xn--bcher-kva.example', '192.0.2.10'])
      expect(sipDomainProblem(ok)).toBeUndefined();
    for (const bad of ['acme pbx.example', 'xn--zz.example']) expect(sipDomainProblem(bad)).toMatch(/expected a SIP domain/);
  });
});

describe('pickTenant', () => {
  const twins = list(
    { id: 'T1', name: 'Acme', domain: 'acme.example.com' },
    { id: 'T2', name: 'ACME Corp', domain: 'ACME.example.com' },
    { id: 'T3', name: 'Other', domain: 'other.example' },
  );

  test('case twins: refused, both named, with the pin to write; a pinned id decides', () => {
    expect(() => pickTenant(twins, { domain: 'Acme.Example.com' }, PBX)).toThrow(PbxTenantRefError);
    expect(() => pickTenant(twins, { domain: 'Acme.Example.com' }, PBX)).toThrow(
      "2 tenants on https://pbx.example/api have domain 'Acme.Example.com' (SIP domains compare case-insensitively, and a Unicode domain is the same as its xn-- form): " +
        "'Acme' (id T1, domain acme.example.com); 'ACME Corp' (id T2, domain ACME.example.com). gwkit sent nothing into any of them. " +
        'Pin the one you mean in gwkit.yaml by its id, e.g. pbxTenant: { domain: Acme.Example.com, id: T1 }',
    );
    expect(pickTenant(twins, { domain: 'acme.example.com', id: 'T2' }, PBX).name).toBe('ACME Corp');
    expect(() => pickTenant(twins, { domain: 'acme.example.com', id: 'T3' }, PBX)).toThrow(
      /the pinned id 'T3' is tenant 'Other' \(id T3, domain other\.example\)/,
    );
    expect(() => pickTenant(twins, { domain: 'acme.example.com', id: 'T9' }, PBX)).toThrow(
      /no tenant with the pinned id 'T9' .*tenants with domain 'acme\.example\.com': 'Acme' \(id T1.*'ACME Corp' \(id T2/,
    );
  });

  test('names: exact; twins by name pinned the same way', () => {
    const named = list({ id: 'N1', name: 'Same', domain: 'a.example' }, { id: 'N2', name: 'Same', domain: 'b.example' });
    expect(() => pickTenant(named, { name: 'Same' }, PBX)).toThrow(/pbxTenant: \{ name: Same, id: N1 \}/);
    expect(pickTenant(named, { name: 'Same', id: 'N2' }, PBX).domain).toBe('b.example');
    expect(() => pickTenant(named, { name: 'same' }, PBX)).toThrow(/no tenant with name 'same'/);
  });

  test('IDN in either direction; a look-alike names both forms', () => {
    const idn = list(
      { id: 'I1', name: 'Books', domain: 'xn--bcher-kva.example' },
      { id: 'I2', name: 'Café', domain: 'café.example' },
      { id: 'I3', name: 'Acme', domain: 'acme.example' },
    );
    expect(pickTenant(idn, { domain: 'bücher.example' }, PBX).id).toBe('I1');
    expect(pickTenant(idn, { domain: 'xn--caf-dma.example' }, PBX).id).toBe('I2');
    expect(() => pickTenant(idn, { domain: 'аcme.example' }, PBX)).toThrow(
      "no tenant with domain 'аcme.example' (xn--cme-5cd.example) among the 3 tenants on https://pbx.example/api; it only looks like 'Acme' (id I3, domain acme.example): " +
        '"а" (U+0430) where the other has "a" (U+0061). A look-alike is another domain',
    );
    expect(() => pickTenant(idn, { domain: 'büchers.example' }, PBX)).toThrow(
      /^PBX tenant: no tenant with domain 'büchers\.example' \(xn--bchers-3ya\.example\) among the 3 tenants on \S+; gwkit sent nothing into any tenant$/,
    );
  });

  test('a fleet looked up in one list reads each listed domain once, not once per lookup (N², issue 15)', () => {
    let domainReads = 0;
    const tenants = list(
      ...Array.from({ length: 1000 }, (_, i) => ({
        id: `T${i}`,
        get domain() {
          domainReads++;
          return `t${i}.example`;
        },
      })),
    );
    for (let i = 0; i < 1000; i++) expect(pickTenant(tenants, { domain: `T${i}.Example` }, PBX).id).toBe(`T${i}`);
    expect(pickTenant(tenants, { domain: 't7.example', id: 'T7' }, PBX).id).toBe('T7');
    // The scan this replaced read 1,000,000 domains (each converted by domainToASCII).
    expect(domainReads).toBeLessThan(3 * 1000);
  });
});

describe('a disabled tenant is never entered', () => {
  let pbx: PbxEmulator;
  beforeAll(async () => {
    pbx = await startPbx({
      tenants: [
        { id: 't-live', name: 'Live', domain: 'live.pbx.test' },
        { id: 't-off', name: 'Off', domain: 'off.pbx.test', enabled: false },
      ],
    });
  });
  afterAll(async () => {
    expect(pbx.state.violations).toEqual([]);
    await pbx.close();
  });

  test.each(['always', 'when-false'] as const)(
    'GET /tenants lists enabled %s: live entered, disabled refused before the switch',
    async (listEnabled) => {
      pbx.setBehaviour({ listEnabled });
      const live = await openTenantSession(connection(pbx), { domain: 'live.pbx.test' }, true);
      expect((await live.currentTenant()).id).toBe('t-live');
      await live.logout();
      const switchesBefore = pbx.state.requests.filter((r) => r.path.startsWith('/api/tenants/switch')).length;
      const refused = openTenantSession(connection(pbx), { domain: 'OFF.pbx.test' }, true);
      await expect(refused).rejects.toThrow(PbxTenantNotLiveError);
      await expect(openTenantSession(connection(pbx), { domain: 'off.pbx.test' }, true)).rejects.toThrow(
        /PBX tenant 'Off' \(id t-off, domain off\.pbx\.test\) is disabled on \S+ \(GET \/tenants reports enabled: false\): gwkit sent nothing into it/,
      );
      expect(pbx.state.requests.filter((r) => r.path.startsWith('/api/tenants/switch')).length).toBe(switchesBefore);
    },
  );
});
