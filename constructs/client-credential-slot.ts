import { ProjectIamCustomRole } from '@cdktf/provider-google/lib/project-iam-custom-role';
import { SecretManagerSecret } from '@cdktf/provider-google/lib/secret-manager-secret';
import { SecretManagerSecretIamMember } from '@cdktf/provider-google/lib/secret-manager-secret-iam-member';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { SECRET_ID_PATTERN } from '../lib/naming/google';

export interface ClientCredentialSlotProps {
  /** Project that holds the secret. */
  readonly projectId: string;
  /** Secret id. @default 'gwkit-oauth-client' */
  readonly secretId?: string;
  /** Principals that may add versions (import the client pair). @default [] */
  readonly importers?: readonly string[];
  /**
   * Principals that may read versions (write the pair into the PBX) and record on the secret
   * which version the PBX holds (annotation `gwkit-pbx-applied`). @default []
   */
  readonly readers?: readonly string[];
  /** Secret labels. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
  /** Resources to wait for, typically the Secret Manager API enablement. @default [] */
  readonly dependsOn?: readonly ITerraformDependable[];
}

/**
 * A Secret Manager secret that will hold the tenant's OAuth client pair (JSON with client_id and
 * client_secret).
 *
 * Deliberately without a version: the value is added by `gwkit client import` through the
 * Secret Manager API, so it never passes through Terraform and never lands in state.
 *
 * gwkit keeps one fact on the secret itself: which version it wrote into which PBX tenant (an
 * annotation; docs/google-cloud.md). The provider manages annotations non-authoritatively (only
 * those in the configuration), so `cdktf deploy` leaves it alone. Readers get a small custom role
 * for it (get + update of the secret's metadata): no predefined role grants update without admin.
 */
export class ClientCredentialSlot extends Construct {
  readonly secret: SecretManagerSecret;

  constructor(scope: Construct, id: string, props: ClientCredentialSlotProps) {
    super(scope, id);
    const secretId = props.secretId ?? 'gwkit-oauth-client';
    if (!SECRET_ID_PATTERN.test(secretId)) {
      throw new Error(`ClientCredentialSlot ${this.node.path}: secretId "${secretId}" may only use letters, digits, "_" and "-"`);
    }
    this.secret = new SecretManagerSecret(this, 'secret', {
      project: props.projectId,
      secretId,
      labels: { ...props.labels },
      replication: { auto: {} },
      dependsOn: props.dependsOn ? [...props.dependsOn] : undefined,
    });

    const grant = (member: string, role: string, idPrefix: string) =>
      new SecretManagerSecretIamMember(this, `${idPrefix}-${member}`, {
        project: props.projectId,
        secretId: this.secret.secretId,
        role,
        member,
      });
    // Versions are added by importers; Secret Manager has a dedicated role for exactly that.
    for (const member of new Set(props.importers ?? [])) grant(member, 'roles/secretmanager.secretVersionAdder', 'importer');
    const readers = new Set(props.readers ?? []);
    for (const member of readers) grant(member, 'roles/secretmanager.secretAccessor', 'reader');
    if (readers.size) {
      const recorder = new ProjectIamCustomRole(this, 'recorder-role', {
        project: props.projectId,
        roleId: 'gwkitPbxRecorder',
        title: 'gwkit: record which client version the PBX holds',
        description: 'Read and annotate the OAuth client secret (gwkit post-deploy)',
        permissions: ['secretmanager.secrets.get', 'secretmanager.secrets.update'],
      });
      for (const member of readers) grant(member, recorder.name, 'recorder');
    }
  }

  /** Full resource name, projects/PROJECT/secrets/ID. */
  get secretName(): string {
    return this.secret.name;
  }
}
