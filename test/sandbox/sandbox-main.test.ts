/**
 * `npm run sandbox`: the playground stays up, prints the lines to paste, lets a person play the
 * Console in its own terminal, serves gwkit commands run by hand with the pasted environment, never
 * prints a password, and stops cleanly on Ctrl-C (SIGINT) with its folder removed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const ROOT = join(__dirname, '../..');

test('npm run sandbox: paste the printed lines, run gwkit by hand, Ctrl-C stops it', async () => {
  const child = spawn(process.execPath, [join(ROOT, 'dist/emulators/sandbox-main.js')], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const waitFor = async (pattern: RegExp) => {
    for (let i = 0; i < 600 && !pattern.test(stdout); i++) await new Promise((r) => setTimeout(r, 100));
    expect(stdout).toMatch(pattern);
  };
  try {
    await waitFor(/Ctrl-C stops everything/);
    // The pasted line: the environment file, which holds the throwaway passwords (never printed).
    const envFile = /set -a; \. (\S+); set \+a/.exec(stdout)![1]!;
    const env = Object.fromEntries(
      readFileSync(envFile, 'utf8')
        .trim()
        .split('\n')
        .map((line) => {
          const [k, ...v] = line.split('=');
          return [k!, v.join('=').replace(/^'|'$/g, '')];
        }),
    );
    expect(Object.keys(env)).toEqual(expect.arrayContaining(['GOOGLE_APPLICATION_CREDENTIALS', 'GWKIT_CONFIG', 'GWKIT_PBX_PASSWORD']));
    for (const [k, v] of Object.entries(env)) if (k.includes('PASSWORD')) expect(stdout).not.toContain(v);

    const gwkit = (args: string[]) =>
      spawnSync(process.execPath, [join(ROOT, 'dist/cli/bin.js'), ...args], {
        cwd: ROOT,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
        encoding: 'utf8',
      });
    const status = gwkit(['status', '--json']);
    expect(status.status).toBe(0);
    expect(JSON.parse(status.stdout).tenants.map((t: { result: { stage: string } }) => t.result.stage)).toEqual([
      'provisioned',
      'provisioned',
      'provisioned',
      'planned',
    ]);

    // The Console step, typed in the sandbox's terminal; the import it suggests works.
    child.stdin.write('client acme\n');
    await waitFor(/next: npx gwkit client import --tenant acme --file (\S+)/);
    const file = /next: npx gwkit client import --tenant acme --file (\S+)/.exec(stdout)![1]!;
    expect(gwkit(['client', 'import', '--tenant', 'acme', '--file', file]).status).toBe(0);
    const after = JSON.parse(gwkit(['status', '--tenant', 'acme', '--json']).stdout);
    expect(after.tenants[0].result.stage).toBe('client-registered');

    // The Microsoft 365 tenant, with no human step: discover, the emulated deploy typed here, post-deploy.
    expect(gwkit(['discover', '--tenant', 'contoso']).status).toBe(0);
    child.stdin.write('deploy contoso\n');
    await waitFor(/next: npx gwkit post-deploy --tenant contoso --outputs-file (\S+)/);
    const outputs = /next: npx gwkit post-deploy --tenant contoso --outputs-file (\S+)/.exec(stdout)![1]!;
    expect(gwkit(['post-deploy', '--tenant', 'contoso', '--outputs-file', outputs]).status).toBe(0);
    expect(JSON.parse(gwkit(['status', '--tenant', 'contoso', '--json']).stdout).tenants[0].result.stage).toBe('verified');

    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(stdout).toContain('sandbox stopped');
    expect(existsSync(dirname(envFile))).toBe(false);
    expect(stderr).toBe('');
  } finally {
    child.kill('SIGKILL');
  }
}, 90_000);
