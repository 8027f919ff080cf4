/**
 * Before any Google call: is there a credentials file where Application Default Credentials will
 * look, and is it credentials at all? Each mistake gets its own message and the command that fixes
 * it, instead of Google's "could not load the default credentials" after the fact.
 *
 * Without GOOGLE_APPLICATION_CREDENTIALS and without gcloud's file, ADC may still come from a
 * metadata server (GCE, Cloud Run, GKE, Cloud Build): that case is left to google-auth-library,
 * and its failure is worded by `noCredentialsError`.
 */
import { readFileSync, statSync } from 'node:fs';
import { InputError } from '../errors';

const FIX =
  'run `gcloud auth application-default login` (a person), or point GOOGLE_APPLICATION_CREDENTIALS at a service-account key or workload identity credentials file (CI)';
const CREDENTIAL_TYPES = new Set([
  'authorized_user',
  'service_account',
  'external_account',
  'external_account_authorized_user',
  'impersonated_service_account',
]);

/** Check GOOGLE_APPLICATION_CREDENTIALS when set: exit 2 with the reason and the fix, before any call. */
export function checkCredentialsFile(env: NodeJS.ProcessEnv): void {
  const file = env.GOOGLE_APPLICATION_CREDENTIALS;
  if (!file) return;
  const where = `GOOGLE_APPLICATION_CREDENTIALS=${file}`;
  let text: string;
  try {
    if (statSync(file).isDirectory()) throw new InputError(`${where} is a directory, not a credentials file; ${FIX}`);
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof InputError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(`${where}: ${code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? 'error'})`}; ${FIX}`);
  }
  let doc: Record<string, unknown> | undefined;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, '')) as Record<string, unknown>;
  } catch {
    throw new InputError(`${where} is not a JSON credentials file; ${FIX}`);
  }
  if (doc && (doc.web || doc.installed)) {
    throw new InputError(
      `${where} is an OAuth client file (the "Download JSON" of a Console client, what \`npx gwkit client import --tenant <tenant> --file <client_secret.json>\` takes), not credentials for gwkit itself; ${FIX}`,
    );
  }
  if (!doc || typeof doc.type !== 'string' || !CREDENTIAL_TYPES.has(doc.type)) {
    throw new InputError(`${where} is JSON but not Google credentials (no known "type"); ${FIX}`);
  }
}

/** google-auth-library found no credentials anywhere: the same advice, as bad input (exit 2). */
export function noCredentialsError(error: unknown): InputError | undefined {
  const message = error instanceof Error ? error.message : String(error);
  if (!/Could not load the default credentials|Unable to detect a Project Id/i.test(message)) return undefined;
  return new InputError(`no Google credentials found (Application Default Credentials); ${FIX}`);
}
