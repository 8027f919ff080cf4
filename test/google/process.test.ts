/**
 * The whole-process configuration a user (or the sandbox) uses: NODE_EXTRA_CA_CERTS for trust and
 * GOOGLE_APPLICATION_CREDENTIALS for ADC, no caFile option. NODE_EXTRA_CA_CERTS is read at process
 * start, so this runs in a child node (TypeScript compiled on the fly by swc, as jest does).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ClientCredentialStore } from '../../lib/google';
import { startFixture, type Fixture } from './fixture';

let fx: Fixture;
beforeAll(async () => {
  fx = await startFixture();
});
afterAll(() => fx?.emu.close());

const HOOK = `
const swc = require('@swc/core');
require.extensions['.ts'] = (m, file) => m._compile(swc.transformFileSync(file, {
  jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }).code, file);
`;

async function runChild(script: string, env: Record<string, string>): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', HOOK + script], {
    cwd: join(__dirname, '../..'),
    env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent', ...env },
    timeout: 20_000,
  });
  return stdout.trim();
}

test('child process with NODE_EXTRA_CA_CERTS + GOOGLE_APPLICATION_CREDENTIALS reads the secret', async () => {
  await new ClientCredentialStore(fx.auth, { endpoints: fx.emu.endpoints }).addVersion(fx.secretName, {
    clientId: '1-x.apps.googleusercontent.com',
    clientSecret: 'GOCSPX-child',
  });
  const script = `
    const g = require('./lib/google/index.ts');
    (async () => {
      const endpoints = JSON.parse(process.env.EMU_ENDPOINTS);
      const auth = await g.createGoogleAuth({ endpoints });
      const pair = await new g.ClientCredentialStore(auth, { endpoints }).accessLatest(process.env.SECRET);
      process.stdout.write(pair.clientId);
    })().catch((e) => { console.error(e.message); process.exit(1); });`;
  const env = {
    EMU_ENDPOINTS: JSON.stringify(fx.emu.endpoints),
    SECRET: fx.secretName,
    GOOGLE_APPLICATION_CREDENTIALS: fx.emu.adcFile,
  };
  await expect(runChild(script, { ...env, NODE_EXTRA_CA_CERTS: fx.emu.caFile })).resolves.toBe('1-x.apps.googleusercontent.com');
  // Without the CA the same call fails on TLS verification: there is no bypass.
  await expect(runChild(script, env)).rejects.toThrow(/(SELF_SIGNED|UNABLE_TO_VERIFY).*TLS verification failed/);
});
