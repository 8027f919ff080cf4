/**
 * Stack outputs as `cdktf deploy --outputs-file FILE` writes them: { STACK: { OUTPUT: value } }.
 * Optional: without the file, gwkit derives the same names from gwkit.yaml (project ids and
 * the secret id are deterministic), and checks them live.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import type { TenantConfig } from '../config';
import { InputError } from '../errors';

const StackOutputsSchema = z.record(
  z.string(),
  z.looseObject({
    project_id: z.string().optional(),
    project_number: z.string().optional(),
    credential_secret_name: z.string().optional(),
  }),
);
export type StackOutputsFile = z.infer<typeof StackOutputsSchema>;

export function readStackOutputs(file: string): StackOutputsFile {
  if (!existsSync(file))
    throw new InputError(`--outputs-file: ${file} does not exist (write it with \`cdktf deploy ... --outputs-file ${file}\`)`);
  if (statSync(file).isDirectory())
    throw new InputError(`--outputs-file: ${file} is a directory; expected the JSON file \`cdktf deploy --outputs-file\` wrote`);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new InputError(`--outputs-file: ${file} is not JSON (${(error as Error).message})`);
  }
  const parsed = StackOutputsSchema.safeParse(data);
  if (!parsed.success) throw new InputError(`--outputs-file: ${file} is not a cdktf outputs file ({ stack: { output: value } })`);
  return parsed.data;
}

/**
 * The Secret Manager secret holding the tenant's OAuth client (its credential secret): from the
 * outputs file when given (checked against gwkit.yaml), else derived.
 */
export function credentialSecretNameOf(tenant: TenantConfig, outputs?: StackOutputsFile, file = 'outputs file'): string {
  if (!outputs) return tenant.credentialSecretName;
  const stack = outputs[tenant.id];
  const name = stack?.credential_secret_name;
  if (!stack || !name) {
    throw new InputError(
      `${file}: no outputs for tenant "${tenant.id}"; deploy it first (cdktf deploy ${tenant.id} --outputs-file ${file})`,
    );
  }
  if (stack.project_id && stack.project_id !== tenant.projectId) {
    throw new InputError(
      `${file}: tenant "${tenant.id}" was deployed to project ${stack.project_id}, but gwkit.yaml says ${tenant.projectId}`,
    );
  }
  return name;
}
