/**
 * The OAuth client the human creates in the Console, as its "Download JSON" file:
 * `{"web":{"client_id","project_id","auth_uri","token_uri","client_secret","redirect_uris":[...]}}`.
 * Its project_id and redirect_uris let gwkit verify the human step before the pair reaches the PBX.
 */
import { InputError } from '../errors';

export interface OAuthClientPair {
  clientId: string;
  clientSecret: string;
}

export interface ClientFile {
  projectId: string;
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  /** Where the file came from (path, "stdin"), for messages. */
  source: string;
}

const CLIENT_ID_RE = /^[0-9]+-[0-9a-z]+\.apps\.googleusercontent\.com$/;

/** Parse a Console client file; every problem names `source` and the field (never the secret's value). */
export function parseClientFile(text: string, source: string): ClientFile {
  if (text.trim() === '') {
    throw new InputError(
      `${source}: the file is empty; expected the client JSON from the Console (Clients > your Web client > Download JSON)`,
    );
  }
  // Editors on Windows may save a byte-order mark in front; JSON.parse would refuse it.
  const body = text.replace(/^\uFEFF/, '');
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    // The parser's message quotes the input, which may be a pasted secret: say where, not what.
    const firstBad =
      body.search(/[^\s{]/) >= 0 && !body.trimStart().startsWith('{') ? 'it does not start with "{"' : 'it is cut short or malformed';
    throw new InputError(`${source}: not a Google OAuth client file`, [
      `${source}: invalid JSON (${firstBad}; expected the Console's "Download JSON")`,
    ]);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new InputError(`${source}: not a Google OAuth client file`, [`${source}: expected a JSON object with a "web" key`]);
  }
  const obj = doc as Record<string, unknown>;
  if (obj.type === 'service_account' || obj.type === 'authorized_user' || obj.type === 'external_account') {
    throw new InputError(`${source}: wrong kind of file`, [
      `${source}: this is a Google ${String(obj.type).replace('_', ' ')} credentials file (a key, not an OAuth client); the PBX needs the "Download JSON" of a Web application OAuth client (Console: Google Auth Platform > Clients)`,
    ]);
  }
  if (!('web' in obj)) {
    const kind = Object.keys(obj)[0];
    const why =
      kind === 'installed'
        ? `${source}: "installed" is a Desktop app client; the PBX needs a client of type "Web application" (Console: Clients > Create client > Application type: Web application)`
        : `${source}: missing "web" (expected the Console's "Download JSON" of a Web application client${kind ? `, got "${kind}"` : ''})`;
    throw new InputError(`${source}: wrong OAuth client type`, [why]);
  }
  const web = obj.web;
  if (typeof web !== 'object' || web === null || Array.isArray(web)) {
    throw new InputError(`${source}: not a Google OAuth client file`, [`${source}: "web" must be an object`]);
  }
  const w = web as Record<string, unknown>;
  const problems: string[] = [];
  const str = (field: string): string => {
    const v = w[field];
    if (typeof v !== 'string' || v.trim() === '') {
      problems.push(`${source}: web.${field} is missing or not a non-empty string`);
      return '';
    }
    return v.trim();
  };
  const clientId = str('client_id');
  const clientSecret = str('client_secret');
  const projectId = str('project_id');
  if (clientId && !CLIENT_ID_RE.test(clientId)) {
    problems.push(`${source}: web.client_id "${clientId}" does not look like NNN-xxx.apps.googleusercontent.com`);
  }
  let redirectUris: string[] = [];
  const raw = w.redirect_uris;
  if (raw === undefined) {
    problems.push(`${source}: web.redirect_uris is missing: add the PBX redirect URI(s) to the client in the Console`);
  } else if (!Array.isArray(raw) || raw.some((u) => typeof u !== 'string')) {
    problems.push(`${source}: web.redirect_uris must be an array of strings`);
  } else {
    redirectUris = raw as string[];
  }
  if (problems.length) throw new InputError(`${source}: invalid Google OAuth client file`, problems);
  return { projectId, clientId, clientSecret, redirectUris, source };
}

/**
 * Compare a client file with what the tenant needs. Returns problems (empty = good).
 * Redirect URIs must match exactly: Google compares them byte for byte (scheme, host, port, path, trailing slash).
 */
export function checkClientFile(file: ClientFile, expect: { projectId: string; redirectUris: string[] }): string[] {
  const problems: string[] = [];
  if (file.projectId !== expect.projectId) {
    problems.push(
      `${file.source}: client belongs to project "${file.projectId}", expected "${expect.projectId}" (create the client in the tenant's project)`,
    );
  }
  for (const uri of expect.redirectUris) {
    if (!file.redirectUris.includes(uri)) {
      problems.push(
        `${file.source}: authorized redirect URI ${uri} is missing from the client (add it exactly in the Console under Authorized redirect URIs)`,
      );
    }
  }
  return problems;
}
