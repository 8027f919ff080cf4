/**
 * On a terminal (and only there) gwkit asks for what is missing: the PBX password and the client
 * pair, with hidden input. Driven through tmux, as a person at a terminal would type.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, startSandbox, type Sandbox } from '../../emulators/sandbox';

const haveTmux = spawnSync('tmux', ['-V']).status === 0;
if (!haveTmux) throw new Error('tmux is needed for the terminal prompt test: apt-get install -y tmux (.ci/run installs it)');

let sb: Sandbox;
const session = `gwkit-prompt-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', session, ...args], { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-t', session, '-p', '-S', '-50');

async function waitFor(text: string | RegExp, timeoutMs = 15_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const shown = screen();
    if (typeof text === 'string' ? shown.includes(text) : text.test(shown)) return shown;
    if (Date.now() > until) throw new Error(`terminal never showed ${String(text)}; it shows:\n${shown}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(async () => {
  spawnSync('tmux', ['-L', session, 'kill-server']);
  await sb?.close();
});

test('client import prompts for the PBX password, client ID and secret, echoing no secret, and stores the pair', async () => {
  const client = sb.createWebClient('globex');
  // The environment of the terminal: the sandbox's, minus CI and the PBX password, so gwkit must ask.
  const env = Object.entries(sb.env)
    .filter(([k]) => k !== 'CI' && k !== 'GWKIT_PBX_PASSWORD')
    .map(([k, v]) => `export ${k}='${v}'`);
  const script = join(sb.dir, 'terminal.sh');
  writeFileSync(
    script,
    [
      ...env,
      'unset CI',
      `cd '${sb.dir}'`,
      `node '${join(repoRoot(), 'dist/cli/gwkit.js')}' client import --tenant globex; echo "exit=$?"`,
      'sleep 30',
    ].join('\n'),
  );
  tmux('new-session', '-d', '-s', session, '-x', '200', '-y', '40', `bash --norc '${script}'`);

  await waitFor('PBX password for admin');
  tmux('send-keys', '-t', session, '-l', sb.env.GWKIT_PBX_PASSWORD!);
  tmux('send-keys', '-t', session, 'Enter');
  await waitFor('OAuth client ID');
  tmux('send-keys', '-t', session, '-l', client.clientId);
  tmux('send-keys', '-t', session, 'Enter');
  await waitFor('OAuth client secret');
  tmux('send-keys', '-t', session, '-l', client.clientSecret);
  tmux('send-keys', '-t', session, 'Enter');

  const shown = await waitFor(/exit=\d+/);
  expect(shown).toContain('exit=0');
  expect(shown).toContain(`tenant globex: client ${client.clientId} stored as`);
  expect(shown).toContain('! not checked: project and redirect URIs');
  // Hidden input: neither secret ever reaches the screen.
  expect(shown).not.toContain(sb.env.GWKIT_PBX_PASSWORD!);
  expect(shown).not.toContain(client.clientSecret);
  const stored = sb.google.state.secretVersions(sb.tenants.globex!.projectId, 'gwkit-oauth-client');
  expect(stored.map((v: { payload: string }) => JSON.parse(v.payload))).toEqual([
    { client_id: client.clientId, client_secret: client.clientSecret },
  ]);
});

test('without a terminal (CI) it does not prompt: it says what to set, exit 2', async () => {
  const r = await sb.runCli(['client', 'import', '--tenant', 'initech-lab']);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('give the downloaded client JSON with --file FILE or --stdin (no prompts without a terminal or in CI)');
});
