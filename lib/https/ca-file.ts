/**
 * An extra CA file (--ca-file, pbx.caFile, google.caFile): the one place that reads it and decides
 * whether it holds what TLS needs, PEM certificates.
 *
 * Why check it ourselves: Node's TLS quietly ignores text that is not a certificate, so a wrong file
 * (a key, a DER certificate, an empty file) would only show up as "certificate not trusted" on every
 * connection, tenant after tenant. Checked up front, it is one input error naming the file.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { InputError } from '../errors';

/** CA bundles are a few hundred kilobytes (Mozilla's whole root store is about 220 KB). */
const MAX_CA_FILE_BYTES = 5 * 1024 * 1024;

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/** The file's PEM text, or why it is not a usable CA file (in words that follow its path). */
export function checkCaFile(file: string): { pem: string } | { problem: string } {
  let bytes: Buffer;
  try {
    const stat = statSync(file);
    if (stat.isDirectory()) return { problem: 'is a directory' };
    if (stat.size > MAX_CA_FILE_BYTES) return { problem: `is ${(stat.size / 1024 / 1024).toFixed(1)} MB, too large for CA certificates` };
    bytes = readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      problem:
        code === 'ENOENT'
          ? 'does not exist'
          : code === 'EACCES'
            ? 'cannot be read (permission denied)'
            : `cannot be read (${code ?? 'error'})`,
    };
  }
  if (!bytes.toString('latin1').trim()) return { problem: 'is empty' };
  // DER: an ASN.1 SEQUENCE with a long-form length, as every X.509 certificate starts.
  if (bytes[0] === 0x30 && bytes[1]! >= 0x81 && bytes[1]! <= 0x84) {
    return { problem: `is binary (DER); convert it to PEM with: openssl x509 -inform der -in ${file} -out ca.pem` };
  }
  if (bytes.includes(0)) return { problem: 'is binary, not PEM text' };
  const pem = bytes.toString('utf8');
  const blocks = [...pem.matchAll(PEM_BLOCK)];
  const keyBlock = blocks.find((b) => /PRIVATE KEY/.test(b[1]!));
  if (keyBlock)
    return {
      problem: `holds a private key (${keyBlock[1]}); gwkit needs only the CA's certificate, and a key does not belong in that file`,
    };
  const certificates = blocks.filter((b) => b[1] === 'CERTIFICATE');
  if (!certificates.length) {
    const other = blocks[0]?.[1];
    return {
      problem: other
        ? `holds a PEM "${other}" block, not a certificate`
        : 'holds no PEM certificate (no "-----BEGIN CERTIFICATE-----" line)',
    };
  }
  for (const [index, block] of certificates.entries()) {
    try {
      new X509Certificate(block[0]);
    } catch {
      const line = pem.slice(0, block.index).split('\n').length;
      return {
        problem: `holds a damaged certificate (the ${ordinal(index + 1)} one, line ${line}): its base64 text does not decode to a certificate`,
      };
    }
  }
  return { pem };
}

function ordinal(n: number): string {
  return n === 1 ? 'first' : n === 2 ? 'second' : n === 3 ? 'third' : `${n}th`;
}

/** What a CA file must hold, said the same way in every message. */
export const CA_FILE_EXPECTED = 'expected a PEM certificate file: the CA\'s certificate(s) as "-----BEGIN CERTIFICATE-----" blocks';

/**
 * The PEM text of a CA file; an InputError naming the setting (`option`, e.g. `--ca-file` or
 * `pbx.caFile (gwkit.yaml:12:5)`), the file, what is wrong and what was expected.
 */
export function readCaFile(file: string, option: string): string {
  const checked = checkCaFile(file);
  if ('problem' in checked) throw new InputError(caFileProblem(option, file, checked.problem));
  return checked.pem;
}

/** `OPTION: FILE WHAT IS WRONG; expected …`: one line of an input error. */
export function caFileProblem(option: string, file: string, problem: string): string {
  return `${option}: ${file} ${problem}; ${CA_FILE_EXPECTED}`;
}
