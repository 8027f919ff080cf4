/**
 * Where the PBX password comes from: Secret Manager (pbx.login.passwordSecret), with a tenant's
 * own source winning over an inherited one. Never from gwkit.yaml itself.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import jsYaml from 'js-yaml';
import { startSandbox, type Sandbox } from '../../emulators/sandbox';
import { runInProcess } from './helpers';

let sb: Sandbox;
let original: string;

beforeAll(async () => {
  sb = await startSandbox();
  original = readFileSync(sb.configPath, 'utf8');
});
afterAll(async () => {
  await sb?.close();
});

test('the system-admin password is read from Secret Manager; initech-lab keeps its own passwordEnv', async () => {
  // The operator stored the PBX admin password with gcloud, trailing newline included.
  const secret = sb.google.createSecret('pbxgw-acme', 'pbx-admin-password');
  sb.google.addSecretVersion('pbxgw-acme', 'pbx-admin-password', `${sb.env.GWKIT_PBX_PASSWORD}\n`);
  const config = jsYaml.load(original) as any;
  config.defaults.pbx.login.passwordSecret = secret;
  writeFileSync(sb.configPath, jsYaml.dump(config));
  try {
    // No admin password in the environment: only the secret can supply it.
    const r = await runInProcess(sb, ['discover', '--all', '--json'], { env: { GWKIT_PBX_PASSWORD: '' } });
    // Nothing but progress lines: no warning, no prompt, no error.
    expect(r.stderr.replace(/^gwkit \w+: \[\d+\/\d+\] .*\n/gm, '')).toBe('');
    expect(r.code).toBe(0);
    expect(r.json.tenants.map((t: any) => [t.tenant, t.exitCode])).toEqual([
      ['acme', 0],
      ['globex', 0],
      ['initech-lab', 0],
    ]);
    expect(sb.google.state.requests.some((q: any) => q.path.includes('pbx-admin-password/versions/latest:access'))).toBe(true);

    // A wrong secret name fails clearly, naming it; nothing is guessed from elsewhere.
    config.defaults.pbx.login.passwordSecret = 'projects/pbxgw-acme/secrets/no-such-secret';
    writeFileSync(sb.configPath, jsYaml.dump(config));
    const bad = await runInProcess(sb, ['discover', '--tenant', 'acme'], { env: { GWKIT_PBX_PASSWORD: '' } });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('projects/pbxgw-acme/secrets/no-such-secret/versions/latest');
    expect(bad.stderr).toContain('check pbx.login.passwordSecret');
  } finally {
    writeFileSync(sb.configPath, original);
  }
});
