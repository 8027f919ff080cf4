/**
 * The HTML report as a person sees it, in a real Chromium: a rollout over the sandbox fleet with
 * tenants at different stages, `--report` in all three formats, then the page opened at desktop
 * and at phone width: summary by stage, a row per tenant with the next action and links, the
 * filter, the stage buttons and sorting. The phone screenshot goes into the README.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { startSandbox, type Sandbox } from '../../emulators/sandbox';
import { runExpect } from '../cli/helpers';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium';

let sb: Sandbox;
let browser: Browser | undefined;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium, or set CHROMIUM_PATH`);
  // globex's project is not deployed (planned); acme gets its client (consent-pending); initech-lab has none yet (provisioned).
  sb = await startSandbox({ deployed: ['acme', 'initech-lab'] });
  const acme = sb.createWebClient('acme');
  await runExpect(sb, ['client', 'import', '--tenant', 'acme', '--file', acme.file], 0);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [...CHROMIUM_ARGS],
  });
}, 30_000);
afterAll(async () => {
  await browser?.close();
  await sb?.close();
});

test('rollout --report writes JSON, Markdown and HTML from the same outcomes', async () => {
  for (const ext of ['json', 'md', 'html']) await runExpect(sb, ['rollout', '--all', '--report', join(sb.dir, `rollout.${ext}`)], 3);
  const json = JSON.parse(readFileSync(join(sb.dir, 'rollout.json'), 'utf8'));
  expect(json.summary.byStage).toEqual({ planned: 1, provisioned: 1, 'consent-pending': 1 });
  expect(json.tenants.find((t: any) => t.tenant === 'initech-lab').links).toEqual([
    { label: 'create client (Console)', url: 'https://console.cloud.google.com/auth/clients/create?project=pbxgw-initech-lab' },
  ]);
  const md = readFileSync(join(sb.dir, 'rollout.md'), 'utf8');
  expect(md).toMatch(/^# gwkit rollout: 3 tenants/);
  expect(md).toMatch(
    /\| acme \| not yet \| waiting \| consent-pending \| a Google Workspace administrator opens https:\/\/\S+ .*\[consent\]\(https:/,
  );
  // Bad --report names are bad input, before anything runs.
  const bad = await runExpect(sb, ['rollout', '--all', '--report', join(sb.dir, 'rollout.pdf')], 2);
  expect(bad.stderr).toMatch(/--report: .*rollout\.pdf: name a \.json, \.md or \.html file/);
});

test('status --report: a tenant whose read worked but is only planned is not shown as healthy (no green)', async () => {
  const file = join(sb.dir, 'status.html');
  await runExpect(sb, ['status', '--report', file], 0);
  const page = await browser!.newPage();
  await page.goto(`file://${file}`);
  const green = 'rgb(218, 251, 225)';
  const planned = page.locator('tr[data-stage="planned"] td[data-label="health"] .badge');
  await expect(planned.innerText()).resolves.toBe('not yet');
  // No badge in a not-yet-healthy row is green, whatever the command's own result was.
  for (const badge of await page.locator('tr:not([data-stage="verified"]) .badge').all()) {
    await expect(
      badge.evaluate(
        (e) => (globalThis as unknown as { getComputedStyle(x: unknown): { backgroundColor: string } }).getComputedStyle(e).backgroundColor,
      ),
    ).resolves.not.toBe(green);
  }
  await page.close();
});

test('the HTML page: summary, rows, filter, stage buttons, sorting; readable on a phone', async () => {
  const file = join(sb.dir, 'rollout.html');
  if (!existsSync(file)) await runExpect(sb, ['rollout', '--all', '--report', file], 3);
  const context = await browser!.newContext({ viewport: { width: 1100, height: 700 } });
  const page = await context.newPage();
  await page.goto(`file://${file}`);
  await expect(page.title()).resolves.toBe('gwkit rollout: 3 tenants');
  await expect(page.locator('.stage').allInnerTexts()).resolves.toEqual(['1\nplanned', '1\nprovisioned', '1\nconsent-pending']);
  await expect(page.locator('#shown').innerText()).resolves.toBe('3 of 3 tenants shown');
  // The consent link a person must open is a link.
  await expect(page.locator('tr[data-stage="consent-pending"] a', { hasText: 'consent' }).getAttribute('href')).resolves.toMatch(
    /^https:\/\/127\.0\.0\.1:\d+\/o\/oauth2\/v2\/auth\?client_id=/,
  );
  // Filter by typing, and by a stage button.
  await page.fill('#filter', 'initech');
  await expect(page.locator('#shown').innerText()).resolves.toBe('1 of 3 tenants shown');
  await page.fill('#filter', '');
  await page.click('.stage[data-stage="planned"]');
  await expect(page.locator('tbody tr:not([hidden]) .tenant').allInnerTexts()).resolves.toEqual(['globex']);
  await page.click('.stage[data-stage="planned"]');
  // Sort by stage, then the other way.
  await page.click('th[data-col="3"]');
  await expect(page.locator('tbody tr .tenant').allInnerTexts()).resolves.toEqual(['globex', 'initech-lab', 'acme']);
  await page.click('th[data-col="3"]');
  await expect(page.locator('tbody tr .tenant').allInnerTexts()).resolves.toEqual(['acme', 'initech-lab', 'globex']);
  await context.close();

  // On a phone: one card per tenant, labels above values, nothing wider than the screen.
  const phone = await browser!.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
  const small = await phone.newPage();
  await small.goto(`file://${file}`);
  // (Evaluated in the page: `globalThis` there is the window.)
  await expect(
    small.evaluate(() => {
      const w = globalThis as unknown as { innerWidth: number; document: { documentElement: { scrollWidth: number } } };
      return w.document.documentElement.scrollWidth <= w.innerWidth + 1;
    }),
  ).resolves.toBe(true);
  await expect(small.locator('thead').isVisible()).resolves.toBe(false);
  const png = await small.screenshot({ fullPage: true });
  writeFileSync(join(sb.dir, 'report-phone.png'), png);
  if (process.env.GWKIT_UPDATE_SCREENSHOTS) writeFileSync(join(__dirname, '../../docs/images/report-phone.png'), png);
  await phone.close();
});
