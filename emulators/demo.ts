/**
 * npm run demo — the whole gwkit flow on one machine, with no Google account and no PBX.
 *
 * Synthesizes the example fleet, starts the emulators on loopback (emulators/sandbox.ts), and
 * runs the real `gwkit` CLI through import → post-deploy → consent → verify → status for every
 * example tenant. The two human steps (creating the client in the Console, consenting) are done
 * by the emulators and labelled as such. The Microsoft 365 tenant has no human step: its stack's
 * deploy is emulated (the Microsoft emulator applies the synthesized stack) and gwkit does the rest.
 * Exits 0 and leaves no process behind.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CDK_CLI, cdkCommand, gwkitCommand } from '../lib/workflow/printed-commands';
import { consentEmulated } from './consent';
import { repoRoot } from './repo-root';
import { startSandbox, type Sandbox } from './sandbox';

const say = (line = '') => process.stdout.write(`${line}\n`);
const indent = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
const step = (title: string) => say(`\n== ${title}`);

async function gwkit(sb: Sandbox, args: string[]): Promise<{ code: number | null; json?: any }> {
  say(`\n  $ npx gwkit ${args.join(' ')}`);
  const run = await sb.runCli(args);
  const shown = args.includes('--json') ? '' : run.stdout;
  if (shown.trim()) say(indent(shown));
  if (run.stderr.trim()) say(indent(run.stderr.trimEnd().replace(/^/gm, '[stderr] ')));
  say(`    (exit ${run.code})`);
  return run;
}

async function main(): Promise<void> {
  const started = Date.now();
  const root = repoRoot();

  step('1. Synthesize the example fleet with the pinned CDK CLI (offline: no cloud account)');
  say('\n  $ npx cdktn synth');
  const outdir = mkdtempSync(join(tmpdir(), 'gwkit-demo-synth-'));
  const synth = spawnSync('npx', ['--no-install', CDK_CLI, 'synth'], {
    cwd: root,
    // CDKTF_OUTPUT: the demo leaves the clone's own cdktf.out alone.
    env: { ...process.env, CDKTF_OUTPUT: outdir, GWKIT_CONFIG: join(root, 'gwkit.yaml'), CHECKPOINT_DISABLE: '1' },
    encoding: 'utf8',
  });
  if (synth.status !== 0) throw new Error(`synth failed: ${synth.stderr}`);
  for (const stack of readdirSync(join(outdir, 'stacks')).sort()) say(`    cdktf.out/stacks/${stack}/cdk.tf.json`);
  rmSync(outdir, { recursive: true, force: true });
  say(`    A real run now does: ${cdkCommand('deploy', ['<tenant>'])}. Here the Google emulator plays the deployed result.`);

  const sb = await startSandbox({ microsoft365: true });
  try {
    step('2. Emulators on loopback (verified TLS with a throwaway CA)');
    say(`    EMULATED PortSIP PBX: ${sb.pbx.url}  (validates every request and response against PortSIP's OpenAPI spec)`);
    say(`    EMULATED Google:      ${sb.google.url}  (OAuth, Secret Manager, Service Usage, Resource Manager)`);
    say(
      `    EMULATED Microsoft:   ${sb.microsoft!.origin}  (Entra ID token endpoint, Graph users; tokens only for a registered certificate and consented permissions)`,
    );
    say(`    Config for this run:  ${sb.configPath}`);

    const tenants = Object.keys(sb.tenants);
    const msIds = Object.keys(sb.microsoft365Tenants);
    step('3. What each PBX tenant reports: Google redirect URIs; for Microsoft 365 also its certificate, recorded for the stack');
    await gwkit(sb, ['discover', '--all']);

    step('4. The human step: consent screen + Web client in the Console (no API exists)');
    await gwkit(sb, ['client', 'guide', '--tenant', tenants[0]!]);
    for (const id of tenants) {
      const client = sb.createWebClient(id);
      say(
        `\n    [EMULATED Console] ${id}: Web client created with ${sb.tenants[id]!.redirectUris.length} redirect URI(s), downloaded as ${client.file.split('/').pop()}`,
      );
      await gwkit(sb, ['client', 'import', '--tenant', id, '--file', client.file]);
    }

    step('5. Write the clients into the PBX (exit 3: waiting on a person to consent)');
    const postDeploy = await gwkit(sb, ['post-deploy', '--all', '--json']);
    say('    (--json output parsed for the consent links; without --json a table is printed)');

    step('6. Consent: an administrator opens each link and presses Allow');
    for (const t of postDeploy.json?.tenants ?? []) {
      const link: string | undefined = t.result?.consentUri;
      if (!link) continue;
      const consent = await consentEmulated(link, sb.caFile, 'allow');
      say(`    [EMULATED consent, auto-approved] ${t.tenant}: ${consent.message}`);
    }

    step('7. Microsoft 365: no human step. The stack registers the app, the PBX certificate and the admin consent');
    const outputs = sb.deployMs365(msIds);
    say(
      `    [EMULATED deploy] ${cdkCommand('deploy', msIds, '--outputs-file outputs.json')}: the Microsoft emulator applied the synthesized stack`,
    );
    for (const id of msIds) await gwkit(sb, ['post-deploy', '--tenant', id, '--outputs-file', outputs]);

    step('8. Prove it: a test mail through Gmail per Google tenant; the PBX reading users through Graph per Microsoft 365 tenant');
    await gwkit(sb, ['verify', '--all']);
    say('    globex keeps its SMTP relay (mail.switchToGmail: false): gwkit never replaces it silently, and says so.');

    step('9. Status, derived live from Google, Microsoft 365, the PBX and the recorded proof (read-only)');
    await gwkit(sb, ['status']);
    say(`\n    Test mails the emulated PBX sent: ${sb.pbx.state.outbox.length}`);

    step('What was emulated, and what a real run needs instead');
    say('    - Google Cloud (projects, APIs, Secret Manager, OAuth): a real run uses Application Default Credentials');
    say(`      (gcloud auth application-default login, or a CI service account) and ${cdkCommand('deploy', ['<tenant>'])} per tenant.`);
    say('    - The PortSIP PBX: a real run points pbx.url at https://YOUR-PBX:8887 and sets GWKIT_PBX_PASSWORD.');
    say(
      `    - The Console step: a person creates the consent screen and Web client (${gwkitCommand('client guide --tenant <tenant>')} shows how).`,
    );
    say('    - Consent: a Google Workspace administrator opens the link from post-deploy in a browser.');
    say(`    - Microsoft 365: a real run deploys with the azuread provider (az login, or OIDC in CI) as an identity allowed to grant`);
    say("      Graph application permissions in the customer's directory (docs/microsoft-365.md); nothing else changes.");
    say(`\nDemo finished in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  } finally {
    await sb.close();
  }
}

main().catch((error) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
