/**
 * When two SIP domains are the same domain: one rule for gwkit.yaml (uniqueness, validity) and
 * for finding a tenant on the PBX.
 *
 * SIP domains compare case-insensitively, and an internationalised domain has two spellings, its
 * Unicode form (`bücher.example`) and its ASCII form (`xn--bcher-kva.example`). Both are compared
 * in the ASCII form WHATWG's URL standard gives (UTS #46 processing: `domainToASCII` of node:url),
 * which also lowercases. Nothing here writes punycode by hand. Sources: docs/portsip-api.md.
 */
import { domainToASCII, domainToUnicode } from 'node:url';

/**
 * The comparable form of a domain: its lowercase ASCII form. A string WHATWG refuses as a host
 * (spaces, broken punycode) still compares, case-insensitively as written: the PBX may hold such
 * a domain (its spec asks for no particular form), and gwkit must still be able to name it.
 */
export function sipDomainKey(domain: string): string {
  return domainToASCII(domain) || domain.toLowerCase();
}

export function sameSipDomain(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && sipDomainKey(a) === sipDomainKey(b);
}

/** What is wrong with a domain in gwkit.yaml, in words; undefined when it is a valid host name. */
export function sipDomainProblem(domain: string): string | undefined {
  const ascii = domainToASCII(domain);
  // Some Node.js versions pass an xn-- label that is not punycode through unchanged: one that does
  // not decode is refused here on every version.
  if (
    ascii &&
    !domainToUnicode(ascii)
      .split('.')
      .some((label) => label.startsWith('xn--'))
  )
    return undefined;
  return 'expected a SIP domain: a host name such as pbx.example.com (Unicode or xn-- form) or an IP address; this one is not a valid host name (WHATWG/UTS #46 domainToASCII refuses it, or an xn-- label is not punycode)';
}

/** The other spelling of a domain, if it has one: the xn-- form of a Unicode domain, and the reverse. */
export function otherSpelling(domain: string): string | undefined {
  const ascii = domainToASCII(domain);
  if (!ascii) return undefined;
  const other = domain.toLowerCase() === ascii ? domainToUnicode(ascii) : ascii;
  return other !== domain.toLowerCase() ? other : undefined;
}

/**
 * The domain as the user wrote it, with its other spelling when it has one:
 * `'bücher.example' (xn--bcher-kva.example)`, `'xn--bcher-kva.example' (bücher.example)`.
 */
export function describeSipDomain(domain: string): string {
  const other = otherSpelling(domain);
  return other ? `'${domain}' (${other})` : `'${domain}'`;
}

/**
 * Two different domains that a person may take for the same: in their Unicode forms they have the
 * same length and differ only where one of them has a non-ASCII character (Cyrillic "а" for Latin
 * "a", "ü" for "u"). Undefined when they are the same domain or do not look alike; else the
 * characters that differ, named by code point.
 */
export function lookAlikeDifference(a: string, b: string): string | undefined {
  if (sameSipDomain(a, b)) return undefined;
  const ua = [...(domainToUnicode(sipDomainKey(a)) || a.toLowerCase())];
  const ub = [...(domainToUnicode(sipDomainKey(b)) || b.toLowerCase())];
  if (ua.length !== ub.length) return undefined;
  const diffs: string[] = [];
  for (let i = 0; i < ua.length; i++) {
    if (ua[i] === ub[i]) continue;
    if (isAscii(ua[i]!) && isAscii(ub[i]!)) return undefined;
    diffs.push(`"${ua[i]}" (${codePoint(ua[i]!)}) where the other has "${ub[i]}" (${codePoint(ub[i]!)})`);
  }
  return diffs.length ? diffs.join(', ') : undefined;
}

const isAscii = (c: string) => c.codePointAt(0)! < 128;
const codePoint = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
