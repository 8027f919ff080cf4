/**
 * A throwaway certificate authority for the emulators.
 *
 * Each emulator run gets its own CA and a leaf certificate for loopback, so tests exercise real,
 * verified TLS: the client trusts the CA through `--ca-file` (PBX) or NODE_EXTRA_CA_CERTS (Google),
 * never through a switch that turns verification off.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';

export interface EmulatorCa {
  /** PEM of the CA certificate: what a client must trust. */
  readonly caPem: string;
  /** Path of a file holding `caPem` (for `--ca-file` / NODE_EXTRA_CA_CERTS). */
  readonly caFile: string;
  /** Issue a server certificate for the given host names / IPs, signed by this CA. */
  issue(hosts?: readonly string[]): { key: string; cert: string };
}

function newKeyPair(): { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey; pem: string } {
  // Node's native generator is ~50x faster than forge's pure JS one.
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return {
    privateKey: forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey,
    publicKey: forge.pki.publicKeyFromPem(publicKey) as forge.pki.rsa.PublicKey,
    pem: privateKey,
  };
}

function validity(cert: forge.pki.Certificate): void {
  cert.serialNumber = '01' + randomBytes(8).toString('hex');
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 7 * 24 * 3600_000);
}

/** Create a CA and write its certificate to a fresh temporary directory (or `dir`). */
export function createEmulatorCa(name = 'gwkit emulator CA', dir?: string): EmulatorCa {
  const caKeys = newKeyPair();
  const ca = forge.pki.createCertificate();
  ca.publicKey = caKeys.publicKey;
  validity(ca);
  const caSubject = [{ name: 'commonName', value: name }];
  ca.setSubject(caSubject);
  ca.setIssuer(caSubject);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(caKeys.privateKey, forge.md.sha256.create());
  const caPem = forge.pki.certificateToPem(ca);
  const folder = dir ?? mkdtempSync(join(tmpdir(), 'gwkit-ca-'));
  const caFile = join(folder, 'emulator-ca.pem');
  writeFileSync(caFile, caPem);

  return {
    caPem,
    caFile,
    issue(hosts = ['localhost', '127.0.0.1', '::1']) {
      const keys = newKeyPair();
      const cert = forge.pki.createCertificate();
      cert.publicKey = keys.publicKey;
      validity(cert);
      cert.setSubject([{ name: 'commonName', value: hosts[0] ?? 'localhost' }]);
      cert.setIssuer(caSubject);
      cert.setExtensions([
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true },
        {
          name: 'subjectAltName',
          altNames: hosts.map((h) => (/^[\d.]+$|:/.test(h) ? { type: 7, ip: h } : { type: 2, value: h })),
        },
      ]);
      cert.sign(caKeys.privateKey, forge.md.sha256.create());
      return { key: keys.pem, cert: forge.pki.certificateToPem(cert) };
    },
  };
}
