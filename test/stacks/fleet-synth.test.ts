import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFleet } from '../../lib/config';
import { buildFleetApp } from '../../stacks/fleet-app';

const root = join(__dirname, '../..');
const exampleConfig = join(root, 'gwkit.yaml');

/** Run the built cdktf app (what `cdktf synth` runs) with the given environment. */
function runApp(env: Record<string, string>) {
  return spawnSync(process.execPath, [join(root, 'dist/main.js')], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
}

describe('the example fleet', () => {
  let outdir: string;
  beforeEach(() => (outdir = mkdtempSync(join(tmpdir(), 'gwkit-synth-'))));
  afterEach(() => rmSync(outdir, { recursive: true, force: true }));

  test('synthesizes one cdk.tf.json per tenant (snapshot)', () => {
    buildFleetApp({ tenants: loadFleet(exampleConfig).tenants, outdir }).synth();
    const stacks = readdirSync(join(outdir, 'stacks')).sort();
    expect(stacks).toEqual(['acme', 'globex', 'initech-lab']);
    for (const id of stacks) {
      const json = readFileSync(join(outdir, 'stacks', id, 'cdk.tf.json'), 'utf8');
      expect(JSON.parse(json)).toMatchSnapshot(id);
    }
  });

  test('GWKIT_TENANTS synthesizes only the selected tenants', () => {
    const run = runApp({ CDKTF_OUTDIR: outdir, GWKIT_CONFIG: exampleConfig, GWKIT_TENANTS: 'globex' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(readdirSync(join(outdir, 'stacks'))).toEqual(['globex']);
    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8'));
    expect(Object.keys(manifest.stacks)).toEqual(['globex']);
  });

  test('an unknown tenant in the selection exits 2 and writes nothing', () => {
    const run = runApp({ CDKTF_OUTDIR: join(outdir, 'out'), GWKIT_CONFIG: exampleConfig, GWKIT_TENANTS: 'globex,glbex' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('GWKIT_TENANTS: ');
    expect(run.stderr).toContain('no tenant with id "glbex"');
    expect(existsSync(join(outdir, 'out'))).toBe(false);
  });

  test('an invalid config exits 2, names the problem and writes nothing', () => {
    const run = runApp({ CDKTF_OUTDIR: join(outdir, 'out'), GWKIT_CONFIG: join(__dirname, '../config/fixtures/unknown-key.yaml') });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/unknown-key\.yaml:8:5: tenants\[0\] \(id "acme"\)\.billingAcount: unknown setting/);
    expect(existsSync(join(outdir, 'out'))).toBe(false);
  });
});
