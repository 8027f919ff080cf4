/** What `--help`, `--version`, `completion` and a status run without a PBX password tell a person. */
import { startSandbox, type Sandbox } from '../../emulators/sandbox';
import { buildReport, reportHtml } from '../../lib/report/fleet-report';
import { runInProcess } from './helpers';

let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(async () => {
  await sb?.close();
});

test('--version names gwkit, cdktf, the Google provider binding and Node.js', async () => {
  const r = await runInProcess(sb, ['--version'], { config: false });
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(
    /^gwkit \d+\.\d+\.\d+ \(cdktf 0\.21\.0, CDK CLI cdktn-cli 0\.24\.0, @cdktf\/provider-google 16\.12\.1 = hashicorp\/google 6\.50\.0, Node\.js v\d+/,
  );
});

test("--help: every command, the exit codes; a command's help has examples", async () => {
  const top = await runInProcess(sb, ['--help'], { config: false });
  expect(top.code).toBe(0);
  for (const c of ['config', 'discover', 'client', 'post-deploy', 'status', 'verify', 'rollout', 'teardown', 'matrix', 'completion'])
    expect(top.stdout).toContain(`gwkit ${c}`);
  expect(top.stdout.replace(/\s+/g, ' ')).toMatch(
    /Exit codes: 0 done, 1 failed, 2 bad usage or invalid config\/input \(nothing changed\), 3 waiting on a person/,
  );
  const rollout = await runInProcess(sb, ['rollout', '--help'], { config: false });
  expect(rollout.stdout).toMatch(/Examples:[\s\S]*gwkit rollout --all --verify --json/);
});

test('a usage error with --json names the command it belongs to, found among the registered commands', async () => {
  const cases: [string[], string][] = [
    [['client', 'import', '--bogus'], 'client import'],
    [['config', 'schema', '--bogus'], 'config schema'],
    [['client'], 'client'],
    [['rollout', '--concurrency', '0'], 'rollout'],
    [['plan', '--bogus'], 'plan'],
    [['completion', '--bogus'], 'completion'],
    [['rotate'], 'gwkit'],
  ];
  for (const [args, command] of cases) {
    const r = await runInProcess(sb, [...args, '--json'], { config: false });
    expect({ args, code: r.code, json: r.json }).toMatchObject({
      args,
      code: 2,
      json: { ok: false, exitCode: 2, command, error: { type: 'UsageError' } },
    });
  }
});

test('completion prints a bash/zsh completion script', async () => {
  const r = await runInProcess(sb, ['completion'], { config: false });
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/###-begin-gwkit-completions-###/);
});

test('status without a PBX password shows the Google side and says what it did not check', async () => {
  const r = await runInProcess(sb, ['status', '--json'], { env: { GWKIT_PBX_PASSWORD: '' } });
  expect(r.code).toBe(0);
  const acme = r.json.tenants.find((t: any) => t.tenant === 'acme').result;
  expect(acme.stage).toBe('provisioned'); // no client imported yet: Google alone decides
  const sb2 = sb.createWebClient('globex');
  expect((await runInProcess(sb, ['client', 'import', '--tenant', 'globex', '--file', sb2.file])).code).toBe(0);
  const again = await runInProcess(sb, ['status', '--tenant', 'globex', '--json'], { env: { GWKIT_PBX_PASSWORD: '' } });
  expect(again.json.tenants[0].result).toMatchObject({
    stage: 'client-registered',
    unchecked: [expect.stringMatching(/^PBX: no PBX password for admin .* set GWKIT_PBX_PASSWORD/)],
  });
});

test('the HTML report escapes what it shows and links only https', () => {
  const html = reportHtml(
    buildReport('status', {
      exitCode: 3,
      tenants: [
        {
          tenant: 'x<script>alert(1)</script>',
          exitCode: 3,
          nextAction: 'open javascript:alert(2) or <b>this</b>',
          result: { stage: 'consent-pending', consentUri: 'javascript:alert(3)' },
        },
      ],
    }),
  );
  expect(html).not.toContain('<script>alert(1)</script>');
  expect(html).toContain('x&lt;script&gt;alert(1)&lt;/script&gt;');
  expect(html).not.toMatch(/href="javascript:/);
  expect(html).toContain('&lt;b&gt;this&lt;/b&gt;');
});
