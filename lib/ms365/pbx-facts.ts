/**
 * What the PBX reports about a tenant's Microsoft 365 integration, recorded next to gwkit.yaml so
 * that synth stays offline: the redirect URIs (`GET /ms365`, read-only there) and the public
 * certificate the PBX generated (`GET /ms365/certificate`). `gwkit discover` writes the file;
 * the config loader reads it; the tenant's stack registers both on the Entra application.
 *
 * Only public material lives here: the certificate, never a private key (the PBX keeps it).
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { InputError } from '../errors';

/** Folder of the facts files, next to the main config file: `pbx-facts/TENANT.json`. */
export const PBX_FACTS_DIR = 'pbx-facts';

export function pbxFactsFileOf(configDir: string, tenantId: string): string {
  return join(configDir, PBX_FACTS_DIR, `${tenantId}.json`);
}

const CertificateFactSchema = z.strictObject({
  /** PEM of the X.509 certificate (public). */
  pem: z
    .string()
    .regex(/^-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE-----\n?$/, { error: 'expected one PEM certificate' }),
  /** SHA-1 thumbprint, uppercase hex: what the Entra portal shows. */
  thumbprint: z.string().regex(/^[0-9A-F]{40}$/),
  notBefore: z.iso.datetime(),
  notAfter: z.iso.datetime(),
});

export const PbxFactsSchema = z.strictObject({
  version: z.literal(1),
  tenant: z.string(),
  /** Every redirect URI the PBX reported: `redirect_uri`, and `sbc_redirect_uri` behind a PortSIP SBC. */
  redirectUris: z.array(z.url({ protocol: /^https$/ })).min(1),
  /** Certificates to register on the application: the PBX's current one, and during a renewal the one before it. */
  certificates: z.array(CertificateFactSchema).min(1),
  /** When discover last read the PBX (ISO time). */
  readAt: z.iso.datetime(),
});
export type PbxFacts = z.infer<typeof PbxFactsSchema>;
export type CertificateFact = z.infer<typeof CertificateFactSchema>;

/** The facts of one tenant, or undefined when `gwkit discover` has not written them yet. */
export function readPbxFacts(file: string, display = file): PbxFacts | undefined {
  if (!existsSync(file)) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new InputError(`${display}: not JSON (${(error as Error).message}); delete it and run discover again`);
  }
  const parsed = PbxFactsSchema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${display}: ${i.path.join('.') || '(top level)'}: ${i.message}`);
    throw new InputError(`${display}: not a gwkit PBX facts file; delete it and run discover again`, problems);
  }
  for (const cert of parsed.data.certificates) {
    const fact = certificateFact(cert.pem);
    if (fact.thumbprint !== cert.thumbprint)
      throw new InputError(
        `${display}: certificate ${cert.thumbprint}: the thumbprint does not match the PEM; delete the file and run discover again`,
      );
    // The warnings before expiry rest on these dates: they must be the certificate's own.
    if (fact.notBefore !== cert.notBefore || fact.notAfter !== cert.notAfter) {
      throw new InputError(
        `${display}: certificate ${cert.thumbprint}: notBefore/notAfter do not match the PEM (${fact.notBefore} to ${fact.notAfter}); delete the file and run discover again`,
      );
    }
  }
  return parsed.data;
}

/** Write atomically (a reader never sees half a file), with a stable layout for review in git. */
export function writePbxFacts(file: string, facts: PbxFacts): void {
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(facts, null, 2)}\n`);
  renameSync(temp, file);
}

/**
 * The certificate as the PBX served it (PEM text or DER bytes: PortSIP's spec says
 * application/octet-stream and no more), parsed offline into what the stack and status need.
 */
export function certificateFact(served: string | Buffer): CertificateFact {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(served);
  } catch (error) {
    throw new Error(`the PBX's Microsoft 365 certificate is not an X.509 certificate (${(error as Error).message})`);
  }
  const pem = cert.toString().replace(/\r\n/g, '\n');
  return {
    pem: pem.endsWith('\n') ? pem : `${pem}\n`,
    thumbprint: cert.fingerprint.replace(/:/g, '').toUpperCase(),
    notBefore: new Date(cert.validFrom).toISOString(),
    notAfter: new Date(cert.validTo).toISOString(),
  };
}
