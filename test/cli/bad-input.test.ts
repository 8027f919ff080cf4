/**
 * Bad input: exit 2 and nothing changed anywhere (no Secret Manager version, no PBX write), with a
 * message that says what to fix. The BUILT CLI against the sandbox; `npx tsc -p .` first.
 *
 * acme has a client in Secret Manager that the PBX does not hold yet, so a post-deploy that wrongly
 * went ahead would write to the PBX and be seen.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSandbox, type Sandbox, type SandboxCliResult } from '../../emulators/sandbox';
import { describeRun, pbxGoogleWrites, runExpect, worldSnapshot, runInProcess } from './helpers';

let sb: Sandbox;
let acmeFile: string;
let before: unknown;

beforeAll(async () => {
  sb = await startSandbox();
  acmeFile = sb.createWebClient('acme').file;
  await runExpect(sb, ['client', 'import', '--tenant', 'acme', '--file', acmeFile], 0);
  before = worldSnapshot(sb);
});
afterAll(async () => {
  await sb?.close();
});

/** Exit 2; with --json the error object of the contract on stdout; the message on stderr. */
function expectBadInput(args: string[], r: SandboxCliResult): void {
  if (r.code !== 2) throw new Error(`expected exit 2\n${describeRun(args, r)}`);
  if (args.includes('--json')) {
    expect(r.json).toMatchObject({ ok: false, exitCode: 2, error: { type: 'InputError', message: expect.any(String) } });
    expect(r.stderr).toContain(r.json.error.message.split('\n')[0]);
  }
  expect(r.stderr).toMatch(/^gwkit: /);
}

async function bad(args: string[], opts?: { input?: string; env?: Record<string, string | undefined> }): Promise<SandboxCliResult> {
  const r = await runInProcess(sb, args, opts as { input?: string; env?: Record<string, string> });
  expectBadInput(args, r);
  return r;
}

describe('exit 2, nothing changed', () => {
  afterEach(() => {
    expect(worldSnapshot(sb)).toEqual(before);
    expect(sb.pbx.state.violations).toEqual([]);
  });

  test('no PBX password in the environment (CI, variable unset): names the variable', async () => {
    const [sys, lab, imp] = await Promise.all([
      bad(['post-deploy', '--all', '--json'], { env: { GWKIT_PBX_PASSWORD: undefined } }),
      bad(['discover', '--tenant', 'initech-lab', '--json'], { env: { GWKIT_PBX_PASSWORD_INITECH: undefined } }),
      bad(['client', 'import', '--tenant', 'acme', '--file', acmeFile], { env: { GWKIT_PBX_PASSWORD: undefined } }),
    ]);
    expect(sys.json.error.message).toContain('nothing was changed');
    expect(sys.json.error.problems).toEqual([expect.stringContaining('set GWKIT_PBX_PASSWORD ')]);
    // Only the login that lacks it is named.
    expect(sys.json.error.message).not.toContain('GWKIT_PBX_PASSWORD_INITECH');
    expect(lab.json.error.problems).toEqual([expect.stringContaining('no PBX password for initech-admin')]);
    expect(lab.json.error.problems[0]).toContain('set GWKIT_PBX_PASSWORD_INITECH');
    expect(imp.stderr).toContain('set GWKIT_PBX_PASSWORD');
  });

  test('an empty password variable counts as unset', async () => {
    const r = await bad(['post-deploy', '--tenant', 'acme', '--json'], { env: { GWKIT_PBX_PASSWORD: '' } });
    expect(r.json.error.message).toContain('set GWKIT_PBX_PASSWORD');
  });

  test('unknown --tenant (alone, or next to a good one): names it', async () => {
    const [alone, mixed, imp] = await Promise.all([
      bad(['post-deploy', '--tenant', 'nope', '--json']),
      bad(['post-deploy', '--tenant', 'acme', '--tenant', 'nope', '--json']),
      bad(['client', 'import', '--tenant', 'nope', '--file', acmeFile, '--json']),
    ]);
    for (const r of [alone, mixed, imp]) expect(r.json.error.message).toContain('no tenant with id "nope"');
  });

  test('post-deploy (and discover) with neither --tenant nor --all', async () => {
    const [pd, disc] = await Promise.all([bad(['post-deploy', '--json']), bad(['discover'])]);
    expect(pd.json.error.message).toBe('post-deploy: name the tenants with --tenant ID (repeatable) or use --all');
    expect(disc.stderr).toContain('--tenant ID (repeatable) or use --all');
  });

  test('--tenant and --all together', async () => {
    const r = await bad(['post-deploy', '--tenant', 'acme', '--all', '--json']);
    expect(r.json.error.message).toContain('either --tenant or --all');
  });

  test('client import: --file that does not exist, both --file and --stdin, neither in CI', async () => {
    const missing = join(sb.dir, 'no-such-client.json');
    const [nofile, both, neither] = await Promise.all([
      bad(['client', 'import', '--tenant', 'acme', '--file', missing, '--json']),
      bad(['client', 'import', '--tenant', 'acme', '--file', acmeFile, '--stdin', '--json'], { input: readFileSync(acmeFile, 'utf8') }),
      bad(['client', 'import', '--tenant', 'acme', '--json']),
    ]);
    expect(nofile.json.error.message).toBe(`--file: ${missing} does not exist; expected the client JSON downloaded from the Console`);
    expect(both.json.error.message).toContain('either --file or --stdin');
    expect(neither.json.error.message).toContain('--file FILE or --stdin');
  });

  test('client import: not a client file / a Desktop client / empty stdin', async () => {
    const desktop = join(sb.dir, 'desktop-client.json');
    writeFileSync(
      desktop,
      JSON.stringify({ installed: { client_id: '1-a.apps.googleusercontent.com', client_secret: 'x', project_id: 'pbxgw-acme' } }),
    );
    const [notJson, installed, empty] = await Promise.all([
      bad(['client', 'import', '--tenant', 'acme', '--stdin', '--json'], { input: 'this is not json' }),
      bad(['client', 'import', '--tenant', 'acme', '--file', desktop, '--json']),
      bad(['client', 'import', '--tenant', 'acme', '--stdin', '--json'], { input: '' }),
    ]);
    expect(notJson.json.error.message).toContain('not a Google OAuth client file');
    expect(installed.json.error.problems[0]).toContain('Desktop app client');
    expect(empty.json.error.message).toMatch(/^stdin: /);
  });

  test('outputs file whose project_id disagrees with gwkit.yaml (and other bad outputs files)', async () => {
    const secret = (p: string) => `projects/${p}/secrets/gwkit-oauth-client`;
    const disagree = join(sb.dir, 'outputs-disagree.json');
    writeFileSync(
      disagree,
      JSON.stringify({
        acme: { project_id: 'pbxgw-acme-old', credential_secret_name: secret('pbxgw-acme-old') },
        globex: { project_id: 'pbxgw-globex', credential_secret_name: secret('pbxgw-globex') },
        'initech-lab': { project_id: 'pbxgw-initech-lab', credential_secret_name: secret('pbxgw-initech-lab') },
      }),
    );
    const partial = join(sb.dir, 'outputs-partial.json');
    writeFileSync(partial, JSON.stringify({ acme: { project_id: 'pbxgw-acme', credential_secret_name: secret('pbxgw-acme') } }));
    const notJson = join(sb.dir, 'outputs-not-json.json');
    writeFileSync(notJson, '{ nope');
    const [dis, part, nj, missing] = await Promise.all([
      bad(['post-deploy', '--all', '--outputs-file', disagree, '--json']),
      bad(['post-deploy', '--all', '--outputs-file', partial, '--json']),
      bad(['post-deploy', '--all', '--outputs-file', notJson, '--json']),
      bad(['post-deploy', '--all', '--outputs-file', join(sb.dir, 'outputs-missing.json'), '--json']),
    ]);
    expect(dis.json.error.message).toContain('tenant "acme" was deployed to project pbxgw-acme-old, but gwkit.yaml says pbxgw-acme');
    expect(part.json.error.message).toContain('no outputs for tenant "globex"');
    expect(nj.json.error.message).toContain('is not JSON');
    expect(missing.json.error.message).toContain('does not exist');
  });

  test('client guide with two tenants (or none)', async () => {
    const [two, none] = await Promise.all([
      bad(['client', 'guide', '--tenant', 'acme', '--tenant', 'globex', '--json']),
      bad(['client', 'guide', '--all', '--json']),
    ]);
    expect(two.json.error.message).toBe('client guide: name exactly one tenant with --tenant ID');
    expect(none.json.error.message).toBe('client guide: name exactly one tenant with --tenant ID');
  });

  test('usage errors (unknown option, unknown command, missing subcommand) exit 2 with usage help on stderr', async () => {
    const cases = [['post-deploy', '--all', '--dryrun'], ['status', '--bogus'], ['deploy-everything'], ['client'], ['config']];
    const runs = await Promise.all(cases.map((args) => runInProcess(sb, args)));
    for (const [i, r] of runs.entries()) {
      expect({ args: cases[i], code: r.code }).toEqual({ args: cases[i], code: 2 });
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^gwkit: /);
    }
    expect(runs[0]!.stderr).toContain('Unknown argument: dryrun');
    expect(runs[1]!.stderr).toContain('Unknown argument: bogus');
  });

  // Regression test (scripts/gwkit.ts).
  test('usage errors under --json still print the JSON error object on stdout', async () => {
    const r = await runInProcess(sb, ['status', '--bogus', '--json']);
    expect(r.code).toBe(2);
    expect(r.json).toMatchObject({ ok: false, exitCode: 2, error: { message: expect.stringContaining('bogus') } });
  });

  test('an invalid gwkit.yaml (schema error, YAML syntax error): exit 2 with file:line', async () => {
    const original = readFileSync(sb.configPath, 'utf8');
    try {
      writeFileSync(sb.configPath, original.replace('projectId: pbxgw-{id}', 'projectId: Bad_{id}!'));
      const schema = await bad(['post-deploy', '--all', '--json']);
      expect(schema.json.error.message).toContain('invalid configuration');
      expect(schema.json.error.problems).toHaveLength(3);
      expect(schema.json.error.problems[0]).toMatch(
        /^(\/.*\/)?gwkit\.yaml:\d+:\d+: tenants\[0\] \(id "acme"\)\.projectId: "Bad_acme!" is not a valid project id/,
      );

      writeFileSync(sb.configPath, `${original}\n  - id: [unterminated\n`);
      const syntax = await bad(['status', '--json']);
      expect(syntax.json.error.message).toContain('not valid YAML');
      expect(syntax.json.error.problems[0]).toMatch(/^(\/.*\/)?gwkit\.yaml:\d+:\d+: /);

      writeFileSync(sb.configPath, original.replace('tenants:\n', 'tenants:\n  - id: acme\n'));
      const dup = await bad(['discover', '--all', '--json']);
      expect(dup.json.error.message).toContain('acme');
    } finally {
      writeFileSync(sb.configPath, original);
    }
  });
});

test('control: with good input the same world does change (the cases above were not vacuous)', async () => {
  const r = await runExpect(sb, ['post-deploy', '--tenant', 'acme', '--json'], 3);
  expect(r.json.tenants[0].result.changed).toBe(true);
  expect(pbxGoogleWrites(sb)).toBe(1);
});
