/**
 * The administrator's consent in a REAL browser (Chromium via playwright-core), against the
 * sandbox: gwkit CLI -> PBX emulator -> Google emulator consent page -> back to the PBX -> verify.
 *
 * TLS stays verified end to end. Chromium is told to trust exactly the sandbox servers' leaf
 * certificates (--ignore-certificate-errors-spki-list with their SPKI SHA-256), and each pin is
 * taken only after Node verified that leaf against the sandbox CA alone (a leaf of another CA can
 * never be pinned). Chromium ignores a pinned CA key (the chain it checks is the served one), so
 * the pins are the leaves'. A server of another CA is refused: the first test proves it.
 *
 * Needs Chromium at /usr/bin/chromium (Debian: apt-get install chromium), or CHROMIUM_PATH, and
 * the CLI built (npx tsc -p .). Missing Chromium fails the suite; it is never skipped.
 *
 * The consent page screenshot (docs/images/emulated-consent.png, shown in the README) is written
 * when the file is missing or GWKIT_UPDATE_SCREENSHOTS=1 (its client ID is random: rewriting it on
 * every run would leave the tree dirty).
 */
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startSandbox, repoRoot, type Sandbox } from '../../emulators/sandbox';
import { createEmulatorCa } from '../../emulators/tls';
import { PortSipClient } from '../../lib/pbx';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium';

const SCREENSHOT = join(repoRoot(), 'docs', 'images', 'emulated-consent.png');
const SCOPES = [
  'https://mail.google.com/',
  'openid',
  'email',
  'profile',
  'https://www.googleapis.com/auth/admin.directory.user.readonly',
  'https://www.googleapis.com/auth/directory.readonly',
];

/** Connect with ONLY the sandbox CA trusted (hostname checked too) and return the leaf's SPKI SHA-256, base64. */
function verifiedLeafSpki(origin: string, caPem: string): Promise<string> {
  const url = new URL(origin);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port), ca: [caPem], rejectUnauthorized: true }, () => {
      const cert = socket.getPeerCertificate();
      socket.end();
      // The DER SubjectPublicKeyInfo (what Chromium pins), whatever the key type.
      const spki = new X509Certificate(cert.raw).publicKey.export({ type: 'spki', format: 'der' });
      resolve(createHash('sha256').update(spki).digest('base64'));
    });
    socket.once('error', reject);
  });
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The Google emulator's consent page: app, client, project, scopes. */
async function expectConsentPage(page: Page, sb: Sandbox, tenantId: string, clientId: string): Promise<void> {
  expect(page.url().startsWith(new URL(sb.google.endpoints.authorization).origin)).toBe(true);
  await expect(page.locator('h1').textContent()).resolves.toMatch(/wants access to your Google Account/);
  await expect(page.locator('#emulator-banner').textContent()).resolves.toContain('not Google');
  await expect(page.locator('#client-id').textContent()).resolves.toBe(clientId);
  await expect(page.locator('body').textContent()).resolves.toContain(`of project ${sb.tenants[tenantId]!.projectId}`);
  await expect(page.locator('#scopes li').allTextContents()).resolves.toEqual(SCOPES);
  await expect(page.locator('#allow').isVisible()).resolves.toBe(true);
  await expect(page.locator('#deny').isVisible()).resolves.toBe(true);
}

/** Press a button of the consent form and wait for the PBX's result page. */
async function decide(
  page: Page,
  sb: Sandbox,
  button: '#allow' | '#deny',
): Promise<{ ok: string | null; title: string; message: string; status?: number }> {
  const answer = page.waitForResponse((r) => r.url().startsWith(sb.pbx.origin) && r.request().isNavigationRequest());
  await page.locator(button).click();
  const response = await answer;
  await page.locator('#result').waitFor();
  return {
    ok: await page.locator('#result').getAttribute('data-ok'),
    title: ((await page.locator('#result').textContent()) ?? '').trim(),
    message: ((await page.locator('#message').textContent()) ?? '').trim(),
    status: response.status(),
  };
}

async function importClient(sb: Sandbox, tenantId: string): Promise<{ clientId: string }> {
  const client = sb.createWebClient(tenantId);
  const imp = await sb.runCli(['client', 'import', '--tenant', tenantId, '--file', client.file, '--json']);
  if (imp.code !== 0) throw new Error(`gwkit client import --tenant ${tenantId} exited ${imp.code}:\n${imp.stdout}${imp.stderr}`);
  expect(imp.json).toMatchObject({ ok: true, result: { tenant: tenantId, clientId: client.clientId, changed: true } });
  return client;
}

describe('consent in a real browser (Chromium, verified TLS)', () => {
  // A fresh sandbox per case: acme is used by two cases, nothing leaks between them.
  const sandboxes: Record<'allow' | 'deny' | 'mismatch' | 'wait', Sandbox | undefined> = {
    allow: undefined,
    deny: undefined,
    mismatch: undefined,
    wait: undefined,
  };
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let rogue: Server | undefined;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium not found at ${CHROMIUM}: the browser consent tests need it. Install it (Debian/Ubuntu: apt-get install -y chromium) ` +
          'or set CHROMIUM_PATH to a Chromium binary.',
      );
    }
    const started = await Promise.allSettled([
      startSandbox({ deployed: ['acme'] }),
      startSandbox({ deployed: ['initech-lab'] }),
      startSandbox({ deployed: ['acme'] }),
      startSandbox({ deployed: ['initech-lab'] }),
    ]);
    const [allow, deny, mismatch, wait] = started.map((r) => (r.status === 'fulfilled' ? r.value : undefined));
    Object.assign(sandboxes, { allow, deny, mismatch, wait }); // afterAll closes whichever started
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;

    // Pin the leaves of every sandbox server, each verified against its own sandbox CA first.
    const pins: string[] = [];
    for (const sb of [allow!, deny!, mismatch!, wait!]) {
      const caPem = readFileSync(sb.caFile, 'utf8');
      pins.push(await verifiedLeafSpki(sb.google.endpoints.authorization, caPem), await verifiedLeafSpki(sb.pbx.origin, caPem));
    }

    // A server for 127.0.0.1 whose certificate comes from another CA: must be refused.
    const otherDir = join(allow!.dir, 'other-ca'); // its own folder: the sandbox's CA file must stay as it is
    mkdirSync(otherDir);
    const other = createEmulatorCa('not the sandbox CA', otherDir).issue();
    rogue = createServer({ key: other.key, cert: other.cert }, (_req, res) => res.end('<h1>rogue</h1>'));
    await new Promise<void>((resolve) => rogue!.listen(0, '127.0.0.1', resolve));

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [...CHROMIUM_ARGS, `--ignore-certificate-errors-spki-list=${pins.join(',')}`],
    });
  }, 30_000);

  beforeEach(async () => {
    context = await browser!.newContext({ viewport: { width: 900, height: 700 } });
  });
  afterEach(async () => {
    await context?.close();
    context = undefined;
  });

  afterAll(async () => {
    await browser?.close();
    if (rogue) await new Promise<void>((resolve) => rogue!.close(() => resolve()));
    await Promise.all(Object.values(sandboxes).map((sb) => sb?.close()));
  });

  test('TLS trust is real: sandbox servers load, a server of another CA is refused', async () => {
    const sb = sandboxes.allow!;
    const page = await context!.newPage();
    const ok = await page.goto(`${sb.pbx.origin}/api/google/oauth2callback?state=none`);
    expect(ok?.status()).toBe(400); // the PBX's own page ("unknown state"), over trusted TLS
    await expect(page.locator('#result').getAttribute('data-ok')).resolves.toBe('false');
    const port = (rogue!.address() as AddressInfo).port;
    await expect(page.goto(`https://127.0.0.1:${port}/`)).rejects.toThrow(/ERR_CERT_AUTHORITY_INVALID/);
  });

  test('Allow (acme, behind an SBC): consent completes on the PBX, verify sends the test mail', async () => {
    const sb = sandboxes.allow!;
    const [, sbcUri] = sb.tenants.acme!.redirectUris;
    const client = await importClient(sb, 'acme');

    const pd = await sb.runCli(['post-deploy', '--tenant', 'acme', '--json']);
    expect(pd.code).toBe(3);
    const result = pd.json.tenants[0].result;
    expect(result).toMatchObject({ tenant: 'acme', clientId: client.clientId, changed: true, stage: 'consent-pending' });
    const link = new URL(result.consentUri);
    expect(link.searchParams.get('redirect_uri')).toBe(sbcUri); // acme's consent goes through the SBC
    expect(link.searchParams.get('client_id')).toBe(client.clientId);

    const page = await context!.newPage();
    const shown = await page.goto(link.toString());
    expect(shown?.status()).toBe(200);
    await expectConsentPage(page, sb, 'acme', client.clientId);
    const png = await page.screenshot();
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    if (!existsSync(SCREENSHOT) || process.env.GWKIT_UPDATE_SCREENSHOTS === '1') {
      mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
      writeFileSync(SCREENSHOT, png);
    }

    const back = await decide(page, sb, '#allow');
    expect(back).toEqual({
      ok: 'true',
      title: 'Google Workspace authorization completed',
      message: expect.stringContaining('completed'),
      status: 200,
    });
    expect(new URL(page.url()).pathname).toBe(new URL(sbcUri!).pathname);

    expect(sb.pbx.state.outbox).toHaveLength(0);
    const verify = await sb.runCli(['verify', '--tenant', 'acme', '--json']);
    expect(verify.code).toBe(0);
    expect(verify.json.tenants[0].result).toMatchObject({ tenant: 'acme', verdict: 'verified', ok: true, mailType: 'GMAIL' });
    expect(sb.pbx.state.outbox).toEqual([
      expect.objectContaining({
        tenant: 'Acme',
        via: 'GMAIL',
        recipient: 'it-support@msp.example',
        subject: expect.stringContaining('acme'),
      }),
    ]);
  });

  test('Deny (initech-lab): the PBX says access was denied, verify waits on consent', async () => {
    const sb = sandboxes.deny!;
    const client = await importClient(sb, 'initech-lab');
    const pd = await sb.runCli(['post-deploy', '--tenant', 'initech-lab', '--json']);
    expect(pd.code).toBe(3);
    const link = pd.json.tenants[0].result.consentUri as string;
    expect(new URL(link).searchParams.get('redirect_uri')).toBe(sb.tenants['initech-lab']!.redirectUris[0]);

    const page = await context!.newPage();
    await page.goto(link);
    await expectConsentPage(page, sb, 'initech-lab', client.clientId);
    const back = await decide(page, sb, '#deny');
    expect(back).toEqual({
      ok: 'false',
      title: 'Google Workspace authorization failed',
      message: expect.stringMatching(/access was denied/),
      status: 400,
    });

    const verify = await sb.runCli(['verify', '--tenant', 'initech-lab', '--json']);
    expect(verify.code).toBe(3);
    const v = verify.json.tenants[0].result;
    expect(v).toMatchObject({ tenant: 'initech-lab', verdict: 'consent-missing', ok: false, mailType: 'GMAIL' });
    expect(v.pbxMessage).toMatch(/authorization is missing/);
    expect(v.likelyCause).toMatch(/not completed the Google authorization/);
    expect(v.nextAction).toContain('`npx gwkit post-deploy --tenant initech-lab`');
    expect(sb.pbx.state.outbox).toHaveLength(0);
  });

  test('SBC redirect URI missing: import refuses; typed into the PBX by hand, Google shows redirect_uri_mismatch', async () => {
    const sb = sandboxes.mismatch!;
    const [directUri, sbcUri] = sb.tenants.acme!.redirectUris;
    const client = sb.createWebClient('acme', { redirectUris: [directUri!] });

    const imp = await sb.runCli(['client', 'import', '--tenant', 'acme', '--file', client.file, '--json']);
    expect(imp.code).toBe(2);
    expect(imp.json.error.message).toContain('nothing was stored');
    expect(imp.json.error.problems).toEqual([expect.stringContaining(`authorized redirect URI ${sbcUri} is missing from the client`)]);
    expect(imp.stderr).toContain(sbcUri);

    // Someone types the pair into the PBX web portal by hand, past gwkit's checks.
    const pbx = await PortSipClient.login({
      baseUrl: sb.pbx.url,
      username: 'admin',
      password: sb.env.GWKIT_PBX_PASSWORD!,
      caFile: sb.caFile,
      timeoutMs: 5000,
    });
    let consentUri: string | undefined;
    try {
      await pbx.switchTenant(sb.tenants.acme!.pbxTenantId);
      await pbx.setGoogle('tenant', { client_id: client.clientId, client_secret: client.clientSecret });
      consentUri = (await pbx.getGoogle('tenant')).auth_consent_uri;
    } finally {
      await pbx.logout();
    }
    expect(new URL(consentUri!).searchParams.get('redirect_uri')).toBe(sbcUri);

    const page = await context!.newPage();
    const shown = await page.goto(consentUri!);
    expect(shown?.status()).toBe(400);
    await expect(page.locator('h1').textContent()).resolves.toBe('Access blocked: Authorization Error');
    await expect(page.locator('#error-code').textContent()).resolves.toBe('Error 400: redirect_uri_mismatch');
    await expect(page.locator('body').textContent()).resolves.toContain(`redirect_uri=${sbcUri}`);
    await expect(page.locator('#allow').count()).resolves.toBe(0);
    // The browser never came back: the PBX heard nothing, holds no authorization.
    expect(sb.pbx.googleSlot(sb.tenants.acme!.pbxTenantId)).toMatchObject({ client_id: client.clientId });
    expect(sb.pbx.googleSlot(sb.tenants.acme!.pbxTenantId).refreshToken).toBeUndefined();

    const verify = await sb.runCli(['verify', '--tenant', 'acme', '--json']);
    expect(verify.code).toBe(3);
    expect(verify.json.tenants[0].result).toMatchObject({ tenant: 'acme', verdict: 'consent-missing', ok: false });
    expect(verify.json.tenants[0].nextAction).toContain('completes the authorization');
    const human = await sb.runCli(['verify', '--tenant', 'acme']);
    expect(human.code).toBe(3);
    expect(`${human.stdout}${human.stderr}`).toContain('consent-missing');
    expect(sb.pbx.state.outbox).toHaveLength(0);
  });

  test('post-deploy --wait keeps verifying while the administrator consents, then exits 0 (verified)', async () => {
    const sb = sandboxes.wait!;
    const lab = sb.tenants['initech-lab']!;
    const client = await importClient(sb, 'initech-lab');

    const started = Date.now();
    const waiting = sb.runCli(['post-deploy', '--tenant', 'initech-lab', '--wait', '--interval', '2', '--timeout', '30'], {
      timeoutMs: 40_000,
    });
    // post-deploy --wait prints the consent link only when the wait is over (no TTY/CI), so the
    // administrator takes it from the PBX (auth_consent_uri) once post-deploy has written the client.
    await until(
      'post-deploy to write the client into the PBX',
      () => sb.pbx.googleSlot(lab.pbxTenantId).client_id === client.clientId || undefined,
    );
    const pbx = await PortSipClient.login({
      baseUrl: sb.pbx.url,
      username: 'initech-admin',
      password: sb.env.GWKIT_PBX_PASSWORD_INITECH!,
      domain: lab.domain,
      caFile: sb.caFile,
      timeoutMs: 5000,
    });
    let consentUri: string | undefined;
    try {
      consentUri = (await pbx.getGoogle('tenant')).auth_consent_uri;
    } finally {
      await pbx.logout();
    }
    // post-deploy is really waiting: at least one failed (mail-less) attempt before consent.
    await until('a first verification attempt', () => sb.pbx.state.requests.some((r) => r.path.endsWith('/test_email')) || undefined);

    const page = await context!.newPage();
    await page.goto(consentUri!);
    await expectConsentPage(page, sb, 'initech-lab', client.clientId);
    await expect(decide(page, sb, '#allow')).resolves.toMatchObject({ ok: 'true', status: 200 });

    const done = await waiting;
    if (done.code !== 0) throw new Error(`post-deploy --wait exited ${done.code}:\n${done.stdout}${done.stderr}`);
    expect(Date.now() - started).toBeLessThan(30_000);
    // The table: TENANT RESULT CLIENT VERSION PBX STAGE, stage "verified", and no "next:" note left.
    const row = done.stdout.split('\n').find((line) => line.startsWith('initech-lab'));
    expect(row?.trim().split(/\s+/)).toEqual([
      'initech-lab',
      expect.any(String),
      client.clientId,
      expect.stringMatching(/^\d+$/),
      'updated',
      'verified',
    ]);
    expect(done.stdout).not.toContain('next:');
    expect(done.stderr).toMatch(/waiting up to 30s for consent/);
    expect(done.stderr).toMatch(/verified 0\/1 of those still pending/);
    expect(done.stderr).toMatch(/verified 1\/1 of those still pending/);
    // Exactly one test mail: failed attempts send none.
    expect(sb.pbx.state.outbox).toEqual([expect.objectContaining({ via: 'GMAIL', subject: expect.stringContaining('initech-lab') })]);
  });
});
