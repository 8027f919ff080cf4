/**
 * The administrator's consent, emulated over plain HTTPS for the sandbox demo: open the PBX's
 * consent link on the Google emulator, press Allow (or Deny) in its form, and follow Google's
 * redirect back to the PBX. The browser tests do the same with a real Chromium.
 *
 * Only for the emulators: it reads the emulator's own consent form.
 */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { Agent, fetch } from 'undici';

export interface EmulatedConsentResult {
  /** Whether the PBX's page says the authorization completed. */
  readonly ok: boolean;
  /** The text of the last page (the PBX's, or Google's error page). */
  readonly message: string;
}

function text(html: string, id: string): string | undefined {
  const m = new RegExp(`id="${id}"[^>]*>([\\s\\S]*?)</`).exec(html);
  return m?.[1]?.replace(/<[^>]+>/g, '').trim();
}

export async function consentEmulated(
  consentUri: string,
  caFile: string,
  decision: 'allow' | 'deny' = 'allow',
): Promise<EmulatedConsentResult> {
  const dispatcher = new Agent({ connect: { ca: [...rootCertificates, readFileSync(caFile, 'utf8')] } });
  try {
    const page = await fetch(consentUri, { dispatcher });
    const html = await page.text();
    const consentId = /name="consent_id" value="([^"]+)"/.exec(html)?.[1];
    if (!consentId)
      return {
        ok: false,
        message:
          text(html, 'error') ??
          html
            .replace(/<[^>]+>/g, ' ')
            .replace(/\s+/g, ' ')
            .trim()
            .slice(0, 300),
      };
    const answer = await fetch(new URL('/o/oauth2/v2/auth/consent', consentUri), {
      method: 'POST',
      body: new URLSearchParams({ consent_id: consentId, decision }),
      redirect: 'manual',
      dispatcher,
    });
    const back = answer.headers.get('location');
    if (!back) return { ok: false, message: `Google emulator answered ${answer.status} without a redirect` };
    const pbxPage = await (await fetch(back, { dispatcher })).text();
    return { ok: /data-ok="true"/.test(pbxPage), message: text(pbxPage, 'message') ?? text(pbxPage, 'result') ?? '' };
  } finally {
    await dispatcher.close();
  }
}
