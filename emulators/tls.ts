/**
 * A throwaway certificate authority for the emulators.
 *
 * Each emulator run gets its own CA and a leaf certificate for loopback, so tests exercise real,
 * verified TLS: the client trusts the CA through `--ca-file` (PBX) or NODE_EXTRA_CA_CERTS (Google),
 * never through a switch that turns verification off.
 *
 * Certificates come from the `openssl` command (P-256 keys): quick, and the same on every Node
 * version (a pure-JS signer took a browser code path under Node ≥ 21 inside Jest, 40x slower).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface EmulatorCa {
  /** PEM of the CA certificate: what a client must trust. */
  readonly caPem: string;
  /** Path of a file holding `caPem` (for `--ca-file` / NODE_EXTRA_CA_CERTS). */
  readonly caFile: string;
  /** Issue a server certificate for the given host names / IPs, signed by this CA. */
  issue(hosts?: readonly string[]): { key: string; cert: string };
}

const KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Create a CA and write its certificate to a fresh temporary directory (or `dir`). */
export function createEmulatorCa(name = 'gwkit emulator CA', dir?: string): EmulatorCa {
  const folder = dir ?? mkdtempSync(join(tmpdir(), 'gwkit-ca-'));
  const caFile = join(folder, 'emulator-ca.pem');
  const caKey = join(folder, 'emulator-ca.key');
  openssl([
    'req',
    '-x509',
    ...KEY,
    '-keyout',
    caKey,
    '-out',
    caFile,
    '-days',
    '7',
    '-subj',
    `/CN=${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-addext',
    'subjectKeyIdentifier=hash',
  ]);
  const caPem = readFileSync(caFile, 'utf8');

  return {
    caPem,
    caFile,
    issue(hosts = ['localhost', '127.0.0.1', '::1']) {
      const work = mkdtempSync(join(tmpdir(), 'gwkit-leaf-'));
      try {
        const san = hosts.map((h) => (/^[\d.]+$|:/.test(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
        openssl([
          'req',
          '-x509',
          ...KEY,
          '-keyout',
          join(work, 'leaf.key'),
          '-out',
          join(work, 'leaf.pem'),
          '-days',
          '7',
          '-subj',
          `/CN=${hosts[0] ?? 'localhost'}`,
          '-CA',
          caFile,
          '-CAkey',
          caKey,
          '-set_serial',
          `0x01${randomBytes(8).toString('hex')}`,
          '-addext',
          'basicConstraints=CA:FALSE',
          '-addext',
          'keyUsage=critical,digitalSignature',
          '-addext',
          'extendedKeyUsage=serverAuth',
          '-addext',
          `subjectAltName=${san}`,
        ]);
        return { key: readFileSync(join(work, 'leaf.key'), 'utf8'), cert: readFileSync(join(work, 'leaf.pem'), 'utf8') };
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    },
  };
}
