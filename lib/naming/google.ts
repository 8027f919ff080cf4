/**
 * Google Cloud's naming rules, shared by the config validator and the constructs (which must not
 * depend on app config). Sources: docs/google-cloud.md.
 */

/** Project IDs: 6-30 chars, lowercase letter first, lowercase letters, digits and hyphens, no trailing hyphen. */
export const PROJECT_ID_PATTERN = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
/** Substrings Google refuses in project IDs. */
export const RESTRICTED_PROJECT_ID_WORDS = ['google', 'ssl', 'null', 'undefined'] as const;
/** Where a project lives: `folders/NUMBER` or `organizations/NUMBER`. */
export const PARENT_PATTERN = /^(folders|organizations)\/[0-9]{1,20}$/;
/** Billing accounts: `01ABCD-23EF45-67ABCD`. */
export const BILLING_ACCOUNT_PATTERN = /^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$/;
/** A Secret Manager secret id: letters, digits, "_" and "-", at most 255. */
const SECRET_ID = '[A-Za-z0-9_-]{1,255}';
/** Secret Manager secret ids. */
export const SECRET_ID_PATTERN = new RegExp(`^${SECRET_ID}$`);
/** A secret's resource name: `projects/PROJECT/secrets/SECRET`. */
export const SECRET_NAME_PATTERN = new RegExp(`^projects/[^/]+/secrets/${SECRET_ID}$`);
/** A secret or one of its versions: `projects/P/secrets/S`, optionally with `/versions/N` or `/versions/latest`. */
export const SECRET_OR_VERSION_NAME_PATTERN = new RegExp(`^projects/[^/]+/secrets/${SECRET_ID}(/versions/(latest|[0-9]+))?$`);

/** What is wrong with a project id, in words; undefined when it is valid. */
export function projectIdProblem(projectId: string): string | undefined {
  if (!PROJECT_ID_PATTERN.test(projectId))
    return 'use 6-30 lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen';
  const word = RESTRICTED_PROJECT_ID_WORDS.find((w) => projectId.includes(w));
  return word ? `Google refuses project ids containing "${word}"` : undefined;
}
