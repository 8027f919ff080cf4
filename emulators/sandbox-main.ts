/**
 * npm run sandbox: a playground that stays up. Both emulators on loopback with the example fleet
 * deployed (projects, APIs, empty credential slots), and the few lines to paste into another
 * terminal to run any gwkit command by hand against them.
 *
 * This terminal plays the people gwkit waits on: type `client acme` to create a tenant's Web client
 * in the emulated Console, `consent LINK` to press Allow as a Workspace administrator, `add-secret
 * acme` / `disable-secret acme N` for a rotation, `help`, `quit` (or Ctrl-C: everything stops and
 * the generated folder is removed). The Microsoft 365 tenant has no human step: `deploy contoso`
 * stands for its `cdktn deploy` (the Microsoft emulator applies the synthesized stack).
 *
 * The environment file holds the emulators' throwaway passwords and ADC file; it is written with
 * mode 0600 and never printed.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { consentEmulated } from './consent';
import { startSandbox, type Sandbox } from './sandbox';

const say = (line = '') => process.stdout.write(`${line}\n`);

/** Shell-quoted `export` lines a person sources (`set -a; . FILE`): no value is ever shown. */
function writeEnvFile(sb: Sandbox): string {
  const file = join(sb.dir, 'sandbox.env');
  const quote = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;
  const lines = Object.entries({ ...sb.env, CI: '' })
    .filter(([, v]) => v !== '')
    .map(([k, v]) => `${k}=${quote(v)}`);
  writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
  return file;
}

/** The human steps, typed in this terminal. */
async function act(sb: Sandbox, line: string): Promise<boolean> {
  const [verb, arg, extra] = line.trim().split(/\s+/);
  const tenantOf = (id: string | undefined) => {
    if (!id || !sb.tenants[id]) throw new Error(`name a tenant: ${Object.keys(sb.tenants).join(', ')}`);
    return id;
  };
  const clientOf = (id: string) => {
    const client = [...sb.google.state.clients.values()].find((c) => c.projectId === sb.tenants[id]!.projectId);
    if (!client) throw new Error(`tenant ${id} has no Web client yet: type client ${id}`);
    return client;
  };
  switch (verb) {
    case undefined:
    case '':
      return true;
    case 'client': {
      const id = tenantOf(arg);
      const client = sb.createWebClient(id);
      say(`[EMULATED Console] ${id}: Web client ${client.clientId} created and downloaded as ${client.file}`);
      say(`  next: npx gwkit client import --tenant ${id} --file ${client.file}`);
      return true;
    }
    case 'consent': {
      if (!arg?.startsWith('https://')) throw new Error('paste the consent link gwkit printed: consent https://...');
      const result = await consentEmulated(arg, sb.caFile, 'allow');
      say(`[EMULATED administrator] ${result.ok ? 'allowed' : 'not completed'}: ${result.message}`);
      return true;
    }
    case 'add-secret': {
      const id = tenantOf(arg);
      const added = sb.google.addClientSecret(clientOf(id).clientId);
      const file = join(sb.dir, `client_secret_${id}_rotated_${Date.now()}.json`);
      writeFileSync(file, added.downloadJson, { mode: 0o600 });
      say(`[EMULATED Console] ${id}: second secret added, downloaded as ${file}`);
      say(`  next: npx gwkit client rotate --tenant ${id} --file ${file}`);
      return true;
    }
    case 'disable-secret': {
      const id = tenantOf(arg);
      const n = Number(extra);
      const client = clientOf(id);
      const secrets = client.secrets;
      if (!Number.isInteger(n) || n < 1 || n > secrets.length)
        throw new Error(`disable-secret ${id} N: N is 1 (the oldest) to ${secrets.length}`);
      sb.google.disableClientSecret(client.clientId, secrets[n - 1]!.secret);
      say(`[EMULATED Console] ${id}: secret ${n} of ${secrets.length} disabled`);
      return true;
    }
    case 'deploy': {
      if (!arg || !sb.microsoft365Tenants[arg])
        throw new Error(
          `deploy TENANT: a Microsoft 365 tenant: ${Object.keys(sb.microsoft365Tenants).join(', ')} (after npx gwkit discover --tenant TENANT)`,
        );
      const outputs = sb.deployMs365([arg]);
      say(`[EMULATED cdktn deploy] ${arg}: app, certificate, service principal and admin consent applied; outputs in ${outputs}`);
      say(`  next: npx gwkit post-deploy --tenant ${arg} --outputs-file ${outputs}`);
      return true;
    }
    case 'help':
      say('client TENANT | consent LINK | add-secret TENANT | disable-secret TENANT N | deploy MS365-TENANT | quit');
      return true;
    case 'quit':
    case 'exit':
      return false;
    default:
      throw new Error(`unknown: ${verb} (type help)`);
  }
}

async function main(): Promise<void> {
  const sb = await startSandbox({ microsoft365: true });
  let closing: Promise<void> | undefined;
  const stop = () => {
    closing ??= sb.close().then(() => {
      say('sandbox stopped; its folder is removed.');
      process.exit(0);
    });
    return closing;
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());

  const envFile = writeEnvFile(sb);
  const ids = Object.keys(sb.tenants);
  say('gwkit sandbox: the example fleet, deployed, against emulators on loopback (verified TLS, throwaway CA)');
  say(`  EMULATED PortSIP PBX: ${sb.pbx.url}`);
  say(`  EMULATED Google:      ${sb.google.url}`);
  say(`  EMULATED Microsoft:   ${sb.microsoft?.origin ?? '-'}`);
  say(`  tenants:              ${ids.join(', ')} (projects, APIs and empty credential slots in place)`);
  const msIds = Object.keys(sb.microsoft365Tenants);
  if (msIds.length)
    say(`  Microsoft 365:        ${msIds.join(', ')} (no human step: discover, then type deploy ${msIds[0]} here, then post-deploy)`);
  say('');
  say('In another terminal, in this folder, paste:');
  say(`  set -a; . ${envFile}; set +a`);
  say('  npx gwkit status');
  say('then any gwkit command, e.g.:');
  say(`  npx gwkit client guide --tenant ${ids[0]}`);
  say('  npx gwkit rollout --all --verify --report rollout.html');
  say(`  npx gwkit client rotate --tenant ${ids[0]}`);
  say(`  npx gwkit teardown --tenant ${ids[0]} --dry-run`);
  if (msIds.length) say(`  npx gwkit discover --tenant ${msIds[0]}`);
  say('');
  say(`Here, you are the Console and the administrator (type help). Start with: client ${ids[0]}`);
  say('Ctrl-C stops everything.');

  const input = createInterface({ input: process.stdin, output: process.stdout, prompt: 'sandbox> ', terminal: process.stdin.isTTY });
  input.prompt();
  for await (const line of input) {
    try {
      if (!(await act(sb, line))) return void (await stop());
    } catch (error) {
      say(`sandbox: ${error instanceof Error ? error.message : String(error)}`);
    }
    input.prompt();
  }
  // End of input on a terminal (Ctrl-D) stops; with no terminal (stdin closed or piped) the
  // emulators keep serving until a signal.
  if (process.stdin.isTTY) await stop();
}

main().catch((error) => {
  process.stderr.write(`sandbox failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
