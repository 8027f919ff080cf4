/**
 * TLS trust and HTTP transport for the Google side.
 *
 * Verification is always on. A private CA (the emulator's, a corporate TLS proxy's) is trusted by
 * passing its PEM file: it is *added* to Node's public roots. There is no option that disables
 * verification. (NODE_EXTRA_CA_CERTS also works, for whole processes.)
 *
 * Why a fetch of our own: gaxios 7 (google-auth-library's transport) loads node-fetch with a
 * dynamic `import()` on first use, which fails inside jest's VM and anywhere ESM loading is
 * restricted, and node-fetch's `agent` is the only way to pass a CA. Handing gaxios
 * `fetchImplementation` = undici's fetch with a dispatcher carrying the CA solves both: one
 * transport for token refreshes, API calls and the token probe.
 */
import { fetch as undiciFetch, type Dispatcher } from 'undici';
import { deadline } from '../https/deadline';
import { trustedAgent } from '../https/trusted-agent';

export interface TlsTrustOptions {
  /** PEM file with extra CA certificate(s) to trust in addition to the public roots. */
  caFile?: string;
}

/** The WHATWG fetch signature gaxios expects for `fetchImplementation`. */
export type FetchLike = typeof globalThis.fetch;

function dispatcherFor(trust: TlsTrustOptions): Dispatcher {
  return trustedAgent(trust.caFile, 'google.caFile');
}

/** A fetch that trusts the public roots plus `caFile` (Node's defaults without one). */
export function fetchFor(trust: TlsTrustOptions = {}): FetchLike {
  const dispatcher = dispatcherFor(trust);
  const f = (input: Parameters<FetchLike>[0], init?: Parameters<FetchLike>[1]) =>
    undiciFetch(input as Parameters<typeof undiciFetch>[0], {
      ...(init as Parameters<typeof undiciFetch>[1]),
      dispatcher,
    });
  return f as unknown as FetchLike;
}

export interface FormResponse {
  status: number;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  json: unknown;
}

/** POST an application/x-www-form-urlencoded body and read a (JSON) answer. https only. */
export async function postForm(
  url: string,
  form: Record<string, string>,
  opts: TlsTrustOptions & { timeoutMs?: number } = {},
): Promise<FormResponse> {
  if (new URL(url).protocol !== 'https:') throw new Error(`refusing non-https URL ${url}`);
  const timeout = deadline(opts.timeoutMs ?? 15_000);
  let text: string;
  let status: number;
  try {
    const res = await fetchFor(opts)(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(form).toString(),
      signal: timeout.signal,
    });
    status = res.status;
    text = await res.text();
  } finally {
    timeout.done();
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status, json };
}
