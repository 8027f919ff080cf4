/**
 * Run the Google emulator standalone (sandbox, manual testing):
 *   npm run build && node dist/emulators/google/main.js
 * Options via env: GOOGLE_EMU_PORT, GOOGLE_EMU_PROJECT (creates it with a secret
 * `gwkit-oauth-client` and a Web client for GOOGLE_EMU_REDIRECT_URIS, comma separated).
 * Prints a JSON line with url, endpoints, caFile and adcFile, then serves until SIGINT/SIGTERM.
 */
import { startGoogleEmulator } from './server';

async function main(): Promise<void> {
  const emu = await startGoogleEmulator({ port: Number(process.env.GOOGLE_EMU_PORT ?? 0) });
  const info: Record<string, unknown> = {
    url: emu.url,
    endpoints: emu.endpoints,
    caFile: emu.caFile,
    adcFile: emu.adcFile,
    user: emu.user,
  };
  const projectId = process.env.GOOGLE_EMU_PROJECT;
  if (projectId) {
    info.project = emu.createProject({ projectId });
    info.secret = emu.createSecret(projectId, 'gwkit-oauth-client');
    const uris = (process.env.GOOGLE_EMU_REDIRECT_URIS ?? '').split(',').filter(Boolean);
    if (uris.length) {
      // The download JSON holds a client secret: write it to stdout only in this throwaway sandbox.
      info.clientJson = emu.createWebClient({ projectId, redirectUris: uris }).downloadJson;
    }
  }
  process.stdout.write(`${JSON.stringify(info)}\n`);
  process.stderr.write(
    `gwkit Google emulator on ${emu.url}\n` +
      `  export GOOGLE_APPLICATION_CREDENTIALS=${emu.adcFile}\n  export NODE_EXTRA_CA_CERTS=${emu.caFile}\n`,
  );
  const stop = () => void emu.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
