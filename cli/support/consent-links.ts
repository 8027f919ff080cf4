/** Handing consent links to the person who must click them: a browser on a terminal, else printed. */
import type { CliIo } from '../io';

export function handOutConsentLinks(io: CliIo, options: { open?: boolean; wait?: boolean }) {
  return (links: readonly { tenant: string; consentUri: string }[]): void => {
    if (options.open && io.interactive) for (const l of links) io.openUrl(l.consentUri);
    else if (options.open) io.stderr('gwkit: not opening a browser (no terminal, or CI is set); the consent links are printed below');
    // The person being waited for needs the links now, not when the wait ends.
    if (options.wait) for (const l of links) io.stderr(`gwkit: ${l.tenant}: consent link: ${l.consentUri}`);
  };
}
