/**
 * A fleet rollout against a PBX whose API limit is far below pbx.requestsPerMinute (left at its
 * default): gwkit learns the limit from the PBX's 429s instead of bouncing off it. In-process,
 * through the workflow the CLI runs (rolloutFleet), against the sandbox's PBX and Google emulators
 * over verified HTTPS, with gwkit and the PBX's rate-limit window on one virtual clock: minutes
 * of pacing run in seconds, and the test asserts counts (429s, tenants done), never times.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFleet } from '../../lib/config';
import { ExitCode } from '../../lib/errors';
import { SessionProvider } from '../../lib/workflow/session-provider';
import { rolloutFleet } from '../../lib/workflow/rollout';
import { startSandbox, type Sandbox } from '../../emulators/sandbox';
import type { PbxBehaviour } from '../../emulators/pbx';
import { fleetHeader } from '../support/fleet-yaml';
import { httpInFlight, virtualClock } from '../support/virtual-clock';

const TENANTS = 100;
/** What the emulated PBX allows a minute; the fleet leaves pbx.requestsPerMinute at 4,000. */
const PBX_LIMIT = 120;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gwkit-pacing-'));
  const lines = [
    ...fleetHeader(
      '  consentScreen: { supportEmail: it-support@msp.example }',
      '  pbx: { url: "https://pbx.msp.example:8887", login: { role: system-admin, username: admin } }',
    ),
    'tenants:',
  ];
  for (let i = 0; i < TENANTS; i++) lines.push(`  - id: t${String(i).padStart(2, '0')}`, `    pbxTenant: { domain: t${i}.pbx.example }`);
  writeFileSync(join(dir, 'gwkit.yaml'), lines.join('\n') + '\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each([
  ['with Retry-After', { rateLimitHeaders: 'retry-after' }],
  ['with a bare 429', { rateLimitHeaders: 'none' }],
  ['counting per clock minute', { rateWindow: 'fixed' }],
] as const)(`a PBX that allows ${PBX_LIMIT} requests a minute, %s`, (_name, reading: Partial<PbxBehaviour>) => {
  let sb: Sandbox | undefined;
  const http = httpInFlight();
  afterEach(async () => {
    await sb?.close();
    sb = undefined;
  });
  afterAll(() => http.close());

  test(`rollout of ${TENANTS} tenants with pbx.requestsPerMinute at its default: every tenant done, few 429s`, async () => {
    const clock = virtualClock({ busy: () => http.count > 0 });
    sb = await startSandbox({
      fleetConfig: join(dir, 'gwkit.yaml'),
      pbxBehaviour: { ...reading, requestsPerMinute: PBX_LIMIT },
      pbxNow: clock.now,
    });
    process.env.GOOGLE_APPLICATION_CREDENTIALS = sb.env.GOOGLE_APPLICATION_CREDENTIALS;
    for (const id of Object.keys(sb.tenants)) {
      const client = sb.createWebClient(id);
      sb.google.addSecretVersion(
        sb.tenants[id]!.projectId,
        'gwkit-oauth-client',
        JSON.stringify({ client_id: client.clientId, client_secret: client.clientSecret }),
      );
    }
    const fleet = loadFleet(sb.configPath);
    expect(fleet.tenants[0]!.pbx!.requestsPerMinute).toBe(4000);
    const log: string[] = [];
    const sessions = new SessionProvider({ fleet, tenants: fleet.tenants, env: sb.env, clock, log: (line) => log.push(line) });
    const report = await rolloutFleet(sessions, { concurrency: 8 }).finally(() => sessions.close());

    expect(report.tenants.filter((t) => t.exitCode !== ExitCode.WaitingOnPerson)).toEqual([]);
    expect(report.tenants.every((t) => (t.result as { stage?: string }).stage === 'consent-pending')).toBe(true);
    const requests = sb.pbx.state.requests.filter((r) => r.path.startsWith('/api/'));
    expect(requests.length).toBeGreaterThan(3 * PBX_LIMIT); // the run needed more than three minutes of the PBX's limit
    // Few refusals: the first contact with the limit, and a probe upward (before: 27, or tenants failed).
    expect(sb.pbx.state.rateLimited).toBeGreaterThanOrEqual(1);
    expect(sb.pbx.state.rateLimited).toBeLessThanOrEqual(5);
    // The user is told why the run is slower than pbx.requestsPerMinute.
    expect(log).toContainEqual(
      expect.stringMatching(
        /answered 429 \(too many requests\) after \d+ requests in the last minute: pacing at \d+ requests a minute \(was 4000\)/,
      ),
    );
  }, 60_000);
});
