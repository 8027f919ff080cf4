/**
 * Debian's Chromium for the browser tests (playwright-core cannot download a browser here), and
 * the flags that keep it quiet on a closed network: without the background-networking ones it
 * keeps trying Google's hosts.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;
