/**
 * The one check of extra CA files (--ca-file, pbx.caFile, google.caFile): PEM certificates pass,
 * everything else is an input error naming the setting, the file, what is wrong and what was
 * expected. The CLI's side (exit 2 before any tenant) is in test/cli/bad-input-corpus.test.ts.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmulatorCa, type EmulatorCa } from '../../emulators/tls';
import { InputError } from '../../lib/errors';
import { readCaFile } from '../../lib/https/ca-file';
import { trustedAgent } from '../../lib/https/trusted-agent';

let dir: string;
let ca: EmulatorCa;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gwkit-ca-file-'));
  ca = createEmulatorCa('gwkit test CA', dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, content: string | Buffer) => {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
};
const der = () => Buffer.from(ca.caPem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');

test('a PEM certificate, and a bundle with comments and two certificates, are read as they are', () => {
  expect(readCaFile(ca.caFile, '--ca-file')).toBe(ca.caPem);
  const bundle = write('bundle.pem', `# our private CAs\n${ca.caPem}\nsecond:\n${ca.caPem}`);
  expect(readCaFile(bundle, '--ca-file')).toBe(readFileSync(bundle, 'utf8'));
});

test.each<[string, () => string, RegExp]>([
  ['missing', () => join(dir, 'nope.pem'), /nope\.pem does not exist/],
  ['a directory', () => dir, /is a directory/],
  ['empty', () => write('empty.pem', ''), /empty\.pem is empty/],
  ['blank lines only', () => write('blank.pem', '\n \n'), /blank\.pem is empty/],
  [
    'DER',
    () => write('ca.der', der()),
    /ca\.der is binary \(DER\); convert it to PEM with: openssl x509 -inform der -in .*ca\.der -out ca\.pem/,
  ],
  ['other binary', () => write('ca.bin', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x01])), /ca\.bin is binary, not PEM text/],
  [
    'a private key',
    () => write('key.pem', readFileSync(join(dir, 'emulator-ca.key'))),
    /key\.pem holds a private key \(PRIVATE KEY\); gwkit needs only the CA's certificate/,
  ],
  [
    'a certificate with its key',
    () => write('both.pem', `${ca.caPem}${readFileSync(join(dir, 'emulator-ca.key'), 'utf8')}`),
    /both\.pem holds a private key/,
  ],
  [
    'garbage',
    () => write('garbage.pem', 'hello world\n'),
    /garbage\.pem holds no PEM certificate \(no "-----BEGIN CERTIFICATE-----" line\)/,
  ],
  [
    'a public key',
    () => write('pub.pem', '-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n'),
    /pub\.pem holds a PEM "PUBLIC KEY" block, not a certificate/,
  ],
  [
    'a damaged second certificate',
    () => write('damaged.pem', `${ca.caPem}-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n`),
    /damaged\.pem holds a damaged certificate \(the second one, line \d+\)/,
  ],
])('%s: an input error naming the setting, the file, what is wrong and what was expected', (_name, file, says) => {
  const path = file();
  let error: unknown;
  try {
    readCaFile(path, 'pbx.caFile (gwkit.yaml:7:5)');
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(InputError);
  expect((error as Error).message).toMatch(
    new RegExp(`^pbx\\.caFile \\(gwkit\\.yaml:7:5\\): ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `),
  );
  expect((error as Error).message).toMatch(says);
  expect((error as Error).message).toMatch(
    /; expected a PEM certificate file: the CA's certificate\(s\) as "-----BEGIN CERTIFICATE-----" blocks$/,
  );
});

test('the shared HTTPS agent reads CA files through the same check', () => {
  expect(() => trustedAgent(write('agent-garbage.pem', 'nope'), 'google.caFile')).toThrow(
    /^google\.caFile: .*agent-garbage\.pem holds no PEM certificate/,
  );
});
